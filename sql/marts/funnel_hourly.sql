-- funnel_hourly: per UTC hour (a window TVF TUMBLE of one hour on the event time), the distinct
-- people (customer_id, or anonymous_id before signup) at each step of
-- signup -> add_to_cart -> checkout -> order_placed, and the conversion from each step to the next
-- (NULL when the earlier step is 0). Hours without any funnel event have no row.
WITH
hours AS (
  SELECT
    window_start,
    COUNT(DISTINCT CASE WHEN event_type = 'signup' THEN actor_id END) AS signups,
    COUNT(DISTINCT CASE WHEN event_type = 'add_to_cart' THEN actor_id END) AS add_to_cart,
    COUNT(DISTINCT CASE WHEN event_type = 'checkout' THEN actor_id END) AS checkouts,
    COUNT(DISTINCT CASE WHEN event_type = 'order_placed' THEN actor_id END) AS orders
  FROM TABLE(TUMBLE(TABLE stg_events, DESCRIPTOR(event_ts), INTERVAL '1' HOUR))
  WHERE event_type IN ('signup', 'add_to_cart', 'checkout', 'order_placed')
  GROUP BY window_start, window_end
)
SELECT
  CAST(window_start AS TIMESTAMP_LTZ(6)) AS `hour`,
  signups,
  add_to_cart,
  checkouts,
  orders,
  CAST(CAST(add_to_cart AS DECIMAL(18, 4)) / NULLIF(signups, 0) AS DECIMAL(9, 4))
    AS signup_to_cart,
  CAST(CAST(checkouts AS DECIMAL(18, 4)) / NULLIF(add_to_cart, 0) AS DECIMAL(9, 4))
    AS cart_to_checkout,
  CAST(CAST(orders AS DECIMAL(18, 4)) / NULLIF(checkouts, 0) AS DECIMAL(9, 4))
    AS checkout_to_order,
  CAST(CAST(orders AS DECIMAL(18, 4)) / NULLIF(signups, 0) AS DECIMAL(9, 4)) AS signup_to_order
FROM hours
