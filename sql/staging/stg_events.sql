-- Product events: typed (customer_id as a number, order_id out of the JSON properties), one row
-- per event (the ingestion contract; the test unique__landing_events__event_id in models.yaml verifies it).
SELECT
  event_id,
  LOWER(event_type) AS event_type,
  TRY_CAST(customer_id AS BIGINT) AS customer_id,
  anonymous_id,
  COALESCE(customer_id, anonymous_id) AS actor_id,
  event_time,
  event_ts,
  amount,
  UPPER(currency) AS currency,
  JSON_VALUE(properties, '$.order_id') AS order_id
FROM src_events
WHERE event_id IS NOT NULL AND event_time IS NOT NULL
