-- PostgreSQL DDL (run against PostgreSQL, not Flink) of the serving tables the marts are upserted
-- into. Idempotent; the runner runs it before each build. Timestamps are UTC (timestamp without
-- time zone: the Flink JDBC connector cannot write timestamptz).
CREATE SCHEMA IF NOT EXISTS serving;

CREATE TABLE IF NOT EXISTS serving.customer_360 (
  customer_id BIGINT PRIMARY KEY,
  email TEXT,
  name TEXT,
  country TEXT,
  plan TEXT,
  first_order_at TIMESTAMP,
  last_order_at TIMESTAMP,
  order_count BIGINT,
  lifetime_revenue NUMERIC(18, 2),
  revenue_currency TEXT,
  lifetime_revenue_by_currency TEXT,
  events_7d BIGINT,
  events_30d BIGINT,
  active_days_30d BIGINT,
  last_seen_at TIMESTAMP,
  engagement_score INTEGER,
  as_of TIMESTAMP
);

CREATE TABLE IF NOT EXISTS serving.daily_revenue (
  day DATE NOT NULL,
  country TEXT NOT NULL,
  currency TEXT NOT NULL,
  gross NUMERIC(18, 2),
  refunds NUMERIC(18, 2),
  net NUMERIC(18, 2),
  order_count BIGINT,
  PRIMARY KEY (day, country, currency)
);

CREATE TABLE IF NOT EXISTS serving.funnel_hourly (
  hour TIMESTAMP PRIMARY KEY,
  signups BIGINT,
  add_to_cart BIGINT,
  checkouts BIGINT,
  orders BIGINT,
  signup_to_cart NUMERIC(9, 4),
  cart_to_checkout NUMERIC(9, 4),
  checkout_to_order NUMERIC(9, 4),
  signup_to_order NUMERIC(9, 4)
);
