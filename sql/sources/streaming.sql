-- STREAMING sources: every Iceberg table is read continuously (the current snapshot, then each new
-- one), and the raw events get an event-time attribute with a watermark, which the window TVFs of
-- daily_revenue and funnel_hourly need. Raw tables must be append-only for a continuous read; the
-- staging views deduplicate them.
--
-- Variables: ${CATALOG}, ${CATALOG_OPTIONS} (as in init.sql) and ${WATERMARK_DELAY_SECONDS} (how
-- late an event may be, in seconds; default 5).

SET 'connector.iceberg.streaming' = 'true';

SET 'connector.iceberg.monitor-interval' = '1s';

-- A source subtask without data must not hold the watermark back.
SET 'table.exec.source.idle-timeout' = '1 s';

CREATE TEMPORARY TABLE src_events (
  event_ts AS CAST(event_time AS TIMESTAMP_LTZ(3)),
  WATERMARK FOR event_ts AS event_ts - INTERVAL '${WATERMARK_DELAY_SECONDS}' SECOND
) WITH (
  'connector' = 'iceberg',
  'catalog-name' = '${CATALOG}',
  ${CATALOG_OPTIONS},
  'catalog-database' = 'raw',
  'catalog-table' = 'events',
  'streaming' = 'true',
  'monitor-interval' = '1s'
)
LIKE `raw`.events (EXCLUDING OPTIONS EXCLUDING CONSTRAINTS);
