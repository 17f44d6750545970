-- The Iceberg tables the SQL layer writes: the marts and the data-quality violations.
-- Idempotent: run it before every build. All are format v2; the marts' primary keys become Iceberg
-- identifier fields, which the streaming build upserts on.

CREATE DATABASE IF NOT EXISTS marts;

CREATE DATABASE IF NOT EXISTS quality;

-- One row per customer: what reverse ETL pushes to CRMs. See sql/README.md for every column.
CREATE TABLE IF NOT EXISTS marts.customer_360 (
  customer_id BIGINT NOT NULL,
  email STRING,
  name STRING,
  country STRING,
  plan STRING,
  first_order_at TIMESTAMP_LTZ(6),
  last_order_at TIMESTAMP_LTZ(6),
  order_count BIGINT,
  lifetime_revenue DECIMAL(18, 2),
  revenue_currency STRING,
  lifetime_revenue_by_currency STRING,
  events_7d BIGINT,
  events_30d BIGINT,
  active_days_30d BIGINT,
  last_seen_at TIMESTAMP_LTZ(6),
  engagement_score INT,
  as_of TIMESTAMP_LTZ(6),
  PRIMARY KEY (customer_id) NOT ENFORCED
) WITH ('format-version' = '2');

-- Per UTC day, country and currency: money is never summed across currencies.
CREATE TABLE IF NOT EXISTS marts.daily_revenue (
  `day` DATE NOT NULL,
  country STRING NOT NULL,
  currency STRING NOT NULL,
  gross DECIMAL(18, 2),
  refunds DECIMAL(18, 2),
  net DECIMAL(18, 2),
  order_count BIGINT,
  PRIMARY KEY (`day`, country, currency) NOT ENFORCED
) WITH ('format-version' = '2');

-- Per UTC hour: distinct people at each funnel step, and the conversion between steps.
CREATE TABLE IF NOT EXISTS marts.funnel_hourly (
  `hour` TIMESTAMP_LTZ(6) NOT NULL,
  signups BIGINT,
  add_to_cart BIGINT,
  checkouts BIGINT,
  orders BIGINT,
  signup_to_cart DECIMAL(9, 4),
  cart_to_checkout DECIMAL(9, 4),
  checkout_to_order DECIMAL(9, 4),
  signup_to_order DECIMAL(9, 4),
  PRIMARY KEY (`hour`) NOT ENFORCED
) WITH ('format-version' = '2');

-- Every row a data-quality check found, one JSON object per row, with the check's name.
CREATE TABLE IF NOT EXISTS quality.violations (
  check_name STRING NOT NULL,
  run_id STRING NOT NULL,
  `mode` STRING,
  checked_at TIMESTAMP_LTZ(6),
  violation STRING
) WITH ('format-version' = '2');

-- One row per check per round of checks (violations is 0 when the check passed): the history of the
-- data quality, and what the STREAMING job's quality metrics read (io.tideline.sql.QualityMetrics).
CREATE TABLE IF NOT EXISTS quality.check_runs (
  check_name STRING NOT NULL,
  run_id STRING NOT NULL,
  `mode` STRING,
  checked_at TIMESTAMP_LTZ(6),
  violations BIGINT
) WITH ('format-version' = '2');
