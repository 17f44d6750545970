-- daily_revenue: per UTC day, country and currency, the money of the order events: gross (the
-- order_placed amounts), refunds (the order_refunded amounts, on the day of the refund), net and
-- the number of orders placed. Never summed across currencies.
--
-- A window TVF TUMBLE of one day on the event time sums each customer's money per day first (an
-- append-only result, in STREAMING too: a day is emitted once the watermark passes its end); the
-- customer's country joins after, and the days sum up per country. An event whose customer is
-- unknown counts under country 'ZZ' (checks/relationships__order_events__customers.sql flags it).
CREATE TEMPORARY VIEW mart_daily_revenue AS
WITH
customer_days AS (
  SELECT
    window_start,
    customer_id,
    currency,
    SUM(CASE WHEN event_type = 'order_placed' THEN amount ELSE CAST(0 AS DECIMAL(18, 2)) END)
      AS gross,
    SUM(CASE WHEN event_type = 'order_refunded' THEN amount ELSE CAST(0 AS DECIMAL(18, 2)) END)
      AS refunds,
    COUNT(*) FILTER (WHERE event_type = 'order_placed') AS order_count
  FROM TABLE(TUMBLE(TABLE stg_events, DESCRIPTOR(event_ts), INTERVAL '1' DAY))
  WHERE event_type IN ('order_placed', 'order_refunded')
    AND amount IS NOT NULL
    AND currency IS NOT NULL
  GROUP BY window_start, window_end, customer_id, currency
)
SELECT
  CAST(d.window_start AS DATE) AS `day`,
  COALESCE(c.country, 'ZZ') AS country,
  d.currency,
  CAST(SUM(d.gross) AS DECIMAL(18, 2)) AS gross,
  CAST(SUM(d.refunds) AS DECIMAL(18, 2)) AS refunds,
  CAST(SUM(d.gross) - SUM(d.refunds) AS DECIMAL(18, 2)) AS net,
  SUM(d.order_count) AS order_count
FROM customer_days AS d
LEFT JOIN stg_customers AS c ON c.customer_id = d.customer_id
GROUP BY CAST(d.window_start AS DATE), COALESCE(c.country, 'ZZ'), d.currency;

-- What serving.daily_revenue (PostgreSQL) receives: the mart's rows as they are.
CREATE TEMPORARY VIEW serve_daily_revenue AS
SELECT * FROM mart_daily_revenue;
