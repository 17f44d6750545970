-- BATCH sources: the raw events as they are now (a bounded read of the current snapshot), with the
-- event time at millisecond precision for the window TVFs.
CREATE TEMPORARY VIEW src_events AS
SELECT
  *,
  CAST(event_time AS TIMESTAMP_LTZ(3)) AS event_ts
FROM `raw`.events;
