-- row count: every mart holds at least ${MIN_ROWS} rows (sql.checks.min-rows).
SELECT 'customer_360' AS mart, COUNT(*) AS row_count
FROM marts.customer_360
HAVING COUNT(*) < ${MIN_ROWS}
UNION ALL
SELECT 'daily_revenue' AS mart, COUNT(*) AS row_count
FROM marts.daily_revenue
HAVING COUNT(*) < ${MIN_ROWS}
UNION ALL
SELECT 'funnel_hourly' AS mart, COUNT(*) AS row_count
FROM marts.funnel_hourly
HAVING COUNT(*) < ${MIN_ROWS};
