-- customer_360: one row per customer (every customer of stg_customers, with or without orders).
--
-- Orders come from the billing system (stg_orders, joined on the e-mail address); behaviour comes
-- from the product events (stg_events, joined on customer_id). The rolling measures count from
-- ${AS_OF} (a UTC 'yyyy-MM-dd HH:mm:ss' the runner sets: sql.as-of, or the run's start).
--
-- Currency: revenue is kept per currency, never converted. lifetime_revenue and revenue_currency
-- hold the total when all of a customer's orders share one currency (the normal case: one billing
-- account, one currency); when they do not, lifetime_revenue is NULL, revenue_currency is 'MULTI'
-- and lifetime_revenue_by_currency (always filled, a JSON object such as {"EUR":"100.00"}) holds
-- each currency's total.
--
-- engagement_score, 0 to 100 (see sql/README.md):
--   50 * LEAST(active_days_30d, 20) / 20  +  30 * LEAST(events_7d, 10) / 10
--   + 20 if the last order is at most 30 days old, rounded to a whole number.
WITH
order_totals AS (
  SELECT
    email,
    currency,
    COUNT(*) AS order_count,
    MIN(created_at) AS first_order_at,
    MAX(created_at) AS last_order_at,
    SUM(CASE WHEN status = 'refunded' THEN CAST(0 AS DECIMAL(18, 2)) ELSE amount END) AS net
  FROM stg_orders
  WHERE status <> 'cancelled'
  GROUP BY email, currency
),
customer_orders AS (
  SELECT
    email,
    SUM(order_count) AS order_count,
    MIN(first_order_at) AS first_order_at,
    MAX(last_order_at) AS last_order_at,
    COUNT(*) AS currencies,
    MAX(currency) AS currency,
    CAST(SUM(net) AS DECIMAL(18, 2)) AS net,
    -- Built as text: JSON_OBJECTAGG in a view fails in the SQL client (a stale planner).
    '{' || LISTAGG('"' || currency || '":"' || CAST(CAST(net AS DECIMAL(18, 2)) AS STRING) || '"', ',')
      || '}' AS by_currency
  FROM order_totals
  GROUP BY email
),
customer_events AS (
  SELECT
    customer_id,
    -- Distinct event ids: a STREAMING read of the change log can see an event twice.
    COUNT(DISTINCT event_id) FILTER (
      WHERE event_time > CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)) - INTERVAL '7' DAY
        AND event_time <= CAST('${AS_OF}' AS TIMESTAMP_LTZ(6))) AS events_7d,
    COUNT(DISTINCT event_id) FILTER (
      WHERE event_time > CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)) - INTERVAL '30' DAY
        AND event_time <= CAST('${AS_OF}' AS TIMESTAMP_LTZ(6))) AS events_30d,
    COUNT(DISTINCT CAST(event_time AS DATE)) FILTER (
      WHERE event_time > CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)) - INTERVAL '30' DAY
        AND event_time <= CAST('${AS_OF}' AS TIMESTAMP_LTZ(6))) AS active_days_30d,
    MAX(event_time) AS last_seen_at
  FROM stg_events
  WHERE customer_id IS NOT NULL
  GROUP BY customer_id
),
joined AS (
  SELECT
    c.customer_id,
    c.email,
    c.name,
    c.country,
    c.plan,
    o.first_order_at,
    o.last_order_at,
    COALESCE(o.order_count, 0) AS order_count,
    o.currencies,
    o.currency,
    o.net,
    o.by_currency,
    COALESCE(e.events_7d, 0) AS events_7d,
    COALESCE(e.events_30d, 0) AS events_30d,
    COALESCE(e.active_days_30d, 0) AS active_days_30d,
    e.last_seen_at
  FROM stg_customers AS c
  LEFT JOIN customer_orders AS o ON o.email = c.email
  LEFT JOIN customer_events AS e ON e.customer_id = c.customer_id
)
SELECT
  customer_id,
  email,
  name,
  country,
  plan,
  first_order_at,
  last_order_at,
  order_count,
  CASE
    WHEN currencies IS NULL THEN CAST(0 AS DECIMAL(18, 2))
    WHEN currencies = 1 THEN net
  END AS lifetime_revenue,
  CASE WHEN currencies = 1 THEN currency WHEN currencies > 1 THEN 'MULTI' END AS revenue_currency,
  COALESCE(by_currency, '{}') AS lifetime_revenue_by_currency,
  events_7d,
  events_30d,
  active_days_30d,
  last_seen_at,
  CAST(ROUND(
      50.0 * LEAST(active_days_30d, 20) / 20
      + 30.0 * LEAST(events_7d, 10) / 10
      + CASE
          WHEN last_order_at > CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)) - INTERVAL '30' DAY THEN 20
          ELSE 0
        END, 0) AS INT) AS engagement_score,
  CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)) AS as_of
FROM joined
