-- Orders: the latest state of each (latest updated_at wins), typed and normalised.
SELECT
  order_id,
  LOWER(TRIM(customer_email)) AS email,
  amount,
  UPPER(currency) AS currency,
  LOWER(status) AS status,
  created_at,
  updated_at
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY order_id ORDER BY updated_at DESC, ingestion_time DESC) AS version_rank
  FROM src_orders
  WHERE order_id IS NOT NULL
)
WHERE version_rank = 1
