-- BATCH sources: the ingested tables as they are now (a bounded read of the current snapshot), in the
-- namespace ${INGESTION_NAMESPACE} (ingestion.namespace, default landing). The events get the event
-- time at millisecond precision for the window TVFs. The keyed tables hold each key's current
-- version; the staging views still pick the latest, as they do in STREAMING.
CREATE TEMPORARY VIEW src_events AS
SELECT
  *,
  CAST(event_time AS TIMESTAMP_LTZ(3)) AS event_ts
FROM `${INGESTION_NAMESPACE}`.events;

CREATE TEMPORARY VIEW src_orders AS
SELECT * FROM `${INGESTION_NAMESPACE}`.orders;

CREATE TEMPORARY VIEW src_customers AS
SELECT * FROM `${INGESTION_NAMESPACE}`.customers;
