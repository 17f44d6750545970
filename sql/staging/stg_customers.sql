-- Customers: the current version of each, typed and normalised. The demo reads app.customers by
-- change data capture (kind: postgres-cdc), so every row carries its change columns: op (snapshot,
-- insert, update, delete), lsn (the commit LSN of its transaction) and source_position, which ends
-- in the change's place within that transaction. The latest change of a key wins, in commit order
-- (lsn, then its place in the transaction); a key whose latest change is a delete is gone. In BATCH
-- the keyed table holds each key's current version already (deletes applied); in STREAMING the
-- change log holds every change, and the same query retracts a customer when its delete arrives.
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
      PARTITION BY id
      ORDER BY
        lsn DESC,
        CAST(REGEXP_EXTRACT(source_position, '/([0-9]+)$', 1) AS BIGINT) DESC,
        ingestion_time DESC) AS version_rank
  FROM src_customers
  WHERE id IS NOT NULL
)
WHERE version_rank = 1 AND op <> 'delete'
