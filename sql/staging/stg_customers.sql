-- Customers: the latest version of each (latest updated_at wins), typed and normalised.
SELECT
  id AS customer_id,
  LOWER(TRIM(email)) AS email,
  TRIM(name) AS name,
  UPPER(TRIM(country)) AS country,
  LOWER(TRIM(plan)) AS plan,
  created_at,
  updated_at
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY id ORDER BY updated_at DESC, ingestion_time DESC) AS version_rank
  FROM src_customers
  WHERE id IS NOT NULL
)
WHERE version_rank = 1
