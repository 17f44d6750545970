-- BATCH: rebuild marts.funnel_hourly from scratch (INSERT OVERWRITE replaces the whole table in one
-- snapshot), and upsert the same rows into PostgreSQL serving.funnel_hourly.
INSERT OVERWRITE marts.funnel_hourly
SELECT * FROM mart_funnel_hourly;

INSERT INTO serving_funnel_hourly
SELECT * FROM serve_funnel_hourly;
