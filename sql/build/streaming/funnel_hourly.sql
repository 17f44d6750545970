-- STREAMING: keep marts.funnel_hourly current by upserting on its primary key (Iceberg equality
-- deletes; commits on each checkpoint), and upsert the same changes into PostgreSQL
-- serving.funnel_hourly.
INSERT INTO marts.funnel_hourly /*+ OPTIONS('upsert-enabled' = 'true') */
SELECT * FROM mart_funnel_hourly;

INSERT INTO serving_funnel_hourly
SELECT * FROM serve_funnel_hourly;
