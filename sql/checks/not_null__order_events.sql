-- not null: what daily_revenue needs of an order_placed or order_refunded event.
SELECT event_id, event_type, customer_id, amount, currency, order_id
FROM stg_events
WHERE event_type IN ('order_placed', 'order_refunded')
  AND (customer_id IS NULL OR amount IS NULL OR currency IS NULL OR order_id IS NULL);
