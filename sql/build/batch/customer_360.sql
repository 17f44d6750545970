-- BATCH: rebuild marts.customer_360 from scratch (INSERT OVERWRITE replaces the whole table in one
-- snapshot), and upsert the same rows into PostgreSQL serving.customer_360.
INSERT OVERWRITE marts.customer_360
SELECT * FROM mart_customer_360;

INSERT INTO serving_customer_360
SELECT * FROM serve_customer_360;
