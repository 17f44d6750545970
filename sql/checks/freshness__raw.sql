-- freshness: the newest event and the newest order change are at most ${MAX_STALENESS_HOURS}
-- hours older than ${AS_OF} (sql.checks.max-staleness, sql.as-of). An empty table is stale.
SELECT 'raw.events' AS source_table, MAX(event_time) AS newest
FROM `raw`.events
HAVING MAX(event_time) IS NULL
  OR MAX(event_time)
    < TIMESTAMPADD(HOUR, -${MAX_STALENESS_HOURS}, CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)))
UNION ALL
SELECT 'raw.orders' AS source_table, MAX(updated_at) AS newest
FROM `raw`.orders
HAVING MAX(updated_at) IS NULL
  OR MAX(updated_at)
    < TIMESTAMPADD(HOUR, -${MAX_STALENESS_HOURS}, CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)));
