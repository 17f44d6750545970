-- referential integrity, both ways: every customer_360 row is a customer, and every customer has
-- its customer_360 row.
SELECT 'mart row without customer' AS problem, m.customer_id
FROM marts.customer_360 AS m
LEFT JOIN stg_customers AS c ON c.customer_id = m.customer_id
WHERE c.customer_id IS NULL
UNION ALL
SELECT 'customer without mart row' AS problem, c.customer_id
FROM stg_customers AS c
LEFT JOIN marts.customer_360 AS m ON m.customer_id = c.customer_id
WHERE m.customer_id IS NULL;
