-- unique: one row per event in raw.events (the ingestion contract the staging relies on).
SELECT event_id, COUNT(*) AS row_count
FROM `raw`.events
GROUP BY event_id
HAVING COUNT(*) > 1;
