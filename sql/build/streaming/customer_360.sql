-- STREAMING: keep marts.customer_360 current by upserting on its primary key (Iceberg equality
-- deletes; commits on each checkpoint), and upsert the same changes into PostgreSQL
-- serving.customer_360.
INSERT INTO marts.customer_360 /*+ OPTIONS('upsert-enabled' = 'true') */
SELECT * FROM mart_customer_360;

INSERT INTO serving_customer_360
SELECT * FROM serve_customer_360;
