-- Tideline SQL layer: session setup.
--
-- Registers the Iceberg catalog and makes it current, and registers the PostgreSQL serving tables
-- (the Flink JDBC connector, upserts on their primary keys). Run it first, in the SQL client with
-- `-i`, or through the runner (io.tideline.sql.SqlRunner), which substitutes the variables:
--
--   ${CATALOG}          the catalog name (catalog.name)
--   ${CATALOG_OPTIONS}  the Iceberg catalog options, rendered from the catalog section
--   ${PG_URL}           jdbc:postgresql://host:port/database
--   ${PG_USER}          the PostgreSQL user
--   ${PG_PASSWORD}      the PostgreSQL password (a secret: substituted, never printed; '' for a
--                       server that trusts the connection)
--
-- The variables use the shell's ${NAME} syntax, so `envsubst < init.sql > /tmp/init.sql` renders
-- this file for the SQL client by hand.

-- Every timestamp is UTC: days and hours of the marts are UTC days and hours.
SET 'table.local-time-zone' = 'UTC';

CREATE CATALOG ${CATALOG} WITH (
  'type' = 'iceberg',
  ${CATALOG_OPTIONS}
);

USE CATALOG ${CATALOG};

-- The JDBC connector cannot write TIMESTAMP_LTZ: serving timestamps are TIMESTAMP(6) holding UTC
-- wall-clock time (PostgreSQL `timestamp`, in UTC), cast by the serve_* views of marts/.
CREATE TEMPORARY TABLE serving_customer_360 (
  customer_id BIGINT NOT NULL,
  email STRING,
  name STRING,
  country STRING,
  plan STRING,
  first_order_at TIMESTAMP(6),
  last_order_at TIMESTAMP(6),
  order_count BIGINT,
  lifetime_revenue DECIMAL(18, 2),
  revenue_currency STRING,
  lifetime_revenue_by_currency STRING,
  events_7d BIGINT,
  events_30d BIGINT,
  active_days_30d BIGINT,
  last_seen_at TIMESTAMP(6),
  engagement_score INT,
  as_of TIMESTAMP(6),
  PRIMARY KEY (customer_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${PG_URL}',
  'table-name' = 'serving.customer_360',
  'username' = '${PG_USER}',
  'password' = '${PG_PASSWORD}'
);

CREATE TEMPORARY TABLE serving_daily_revenue (
  `day` DATE NOT NULL,
  country STRING NOT NULL,
  currency STRING NOT NULL,
  gross DECIMAL(18, 2),
  refunds DECIMAL(18, 2),
  net DECIMAL(18, 2),
  order_count BIGINT,
  PRIMARY KEY (`day`, country, currency) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${PG_URL}',
  'table-name' = 'serving.daily_revenue',
  'username' = '${PG_USER}',
  'password' = '${PG_PASSWORD}'
);

CREATE TEMPORARY TABLE serving_funnel_hourly (
  `hour` TIMESTAMP(6) NOT NULL,
  signups BIGINT,
  add_to_cart BIGINT,
  checkouts BIGINT,
  orders BIGINT,
  signup_to_cart DECIMAL(9, 4),
  cart_to_checkout DECIMAL(9, 4),
  checkout_to_order DECIMAL(9, 4),
  signup_to_order DECIMAL(9, 4),
  PRIMARY KEY (`hour`) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${PG_URL}',
  'table-name' = 'serving.funnel_hourly',
  'username' = '${PG_USER}',
  'password' = '${PG_PASSWORD}'
);
