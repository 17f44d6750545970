-- A query for analysts, run in the SQL client after init.sql (`-i init.sql -f this file`): net
-- revenue per country and currency, from the daily_revenue mart.
SET 'sql-client.execution.result-mode' = 'TABLEAU';

SET 'execution.runtime-mode' = 'batch';

SELECT country, currency, SUM(net) AS net, SUM(order_count) AS orders
FROM marts.daily_revenue
GROUP BY country, currency
ORDER BY country, currency;
