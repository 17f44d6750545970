-- BATCH: rebuild marts.daily_revenue from scratch (INSERT OVERWRITE replaces the whole table in one
-- snapshot), and upsert the same rows into PostgreSQL serving.daily_revenue.
INSERT OVERWRITE marts.daily_revenue
SELECT * FROM mart_daily_revenue;

INSERT INTO serving_daily_revenue
SELECT * FROM serve_daily_revenue;
