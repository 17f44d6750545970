-- daily_revenue: per UTC day, country and currency, the money of the order events: gross (the
-- order_placed amounts), refunds (the order_refunded amounts, on the day of the refund), net and
-- the number of orders placed. Never summed across currencies.
--
-- A window TVF TUMBLE of one day on the event time keeps each order event once per day (grouped by
-- event_id: a STREAMING read of landing.events_changelog can see an event twice, and both copies fall in
-- the same day); the result is append-only, in STREAMING too (a day is emitted once the watermark
-- passes its end). The customer's country joins after, and the events sum up per day, country and
-- currency. An event whose customer is unknown counts under country 'ZZ'
-- (the test relationships__order_events__customers in models.yaml flags it).
WITH
order_events AS (
  SELECT
    window_start,
    event_id,
    customer_id,
    currency,
    event_type,
    MAX(amount) AS amount
  FROM TABLE(TUMBLE(TABLE stg_events, DESCRIPTOR(event_ts), INTERVAL '1' DAY))
  WHERE event_type IN ('order_placed', 'order_refunded')
    AND amount IS NOT NULL
    AND currency IS NOT NULL
  GROUP BY window_start, window_end, event_id, customer_id, currency, event_type
)
SELECT
  CAST(e.window_start AS DATE) AS `day`,
  COALESCE(c.country, 'ZZ') AS country,
  e.currency,
  CAST(SUM(CASE WHEN e.event_type = 'order_placed' THEN e.amount ELSE CAST(0 AS DECIMAL(18, 2)) END)
    AS DECIMAL(18, 2)) AS gross,
  CAST(SUM(CASE WHEN e.event_type = 'order_refunded' THEN e.amount ELSE CAST(0 AS DECIMAL(18, 2)) END)
    AS DECIMAL(18, 2)) AS refunds,
  CAST(SUM(CASE WHEN e.event_type = 'order_placed' THEN e.amount ELSE -e.amount END)
    AS DECIMAL(18, 2)) AS net,
  COUNT(*) FILTER (WHERE e.event_type = 'order_placed') AS order_count
FROM order_events AS e
LEFT JOIN stg_customers AS c ON c.customer_id = e.customer_id
GROUP BY CAST(e.window_start AS DATE), COALESCE(c.country, 'ZZ'), e.currency
