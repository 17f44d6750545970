-- accepted values: the event types of the ingestion contract.
SELECT event_id, event_type
FROM stg_events
WHERE event_type IS NULL
  OR event_type NOT IN (
    'page_view', 'signup', 'add_to_cart', 'checkout', 'order_placed', 'order_refunded');
