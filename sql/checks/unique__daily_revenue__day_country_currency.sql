-- unique: one row per day, country and currency in marts.daily_revenue.
SELECT `day`, country, currency, COUNT(*) AS row_count
FROM marts.daily_revenue
GROUP BY `day`, country, currency
HAVING COUNT(*) > 1;
