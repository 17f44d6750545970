-- STREAMING: keep marts.daily_revenue current by upserting on its primary key (Iceberg equality
-- deletes; commits on each checkpoint), and upsert the same changes into PostgreSQL
-- serving.daily_revenue.
INSERT INTO marts.daily_revenue /*+ OPTIONS('upsert-enabled' = 'true') */
SELECT * FROM mart_daily_revenue;

INSERT INTO serving_daily_revenue
SELECT * FROM serve_daily_revenue;
