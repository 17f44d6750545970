-- accepted values: currencies are ISO-4217 codes, three upper-case letters.
SELECT 'orders' AS source_table, order_id AS id, currency
FROM stg_orders
WHERE currency IS NULL OR NOT REGEXP(currency, '^[A-Z]{3}$')
UNION ALL
SELECT 'events' AS source_table, event_id AS id, currency
FROM stg_events
WHERE currency IS NOT NULL AND NOT REGEXP(currency, '^[A-Z]{3}$');
