-- unique: one row per customer in marts.customer_360.
SELECT customer_id, COUNT(*) AS row_count
FROM marts.customer_360
GROUP BY customer_id
HAVING COUNT(*) > 1;
