-- referential integrity: every order event belongs to a known customer (daily_revenue would count
-- it under country 'ZZ').
SELECT e.event_id, e.event_type, e.customer_id
FROM stg_events AS e
LEFT JOIN stg_customers AS c ON c.customer_id = e.customer_id
WHERE e.event_type IN ('order_placed', 'order_refunded')
  AND c.customer_id IS NULL;
