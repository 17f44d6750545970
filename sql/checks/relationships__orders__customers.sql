-- referential integrity: every order belongs to a known customer (its revenue would otherwise be
-- missing from customer_360).
SELECT o.order_id, o.email
FROM stg_orders AS o
LEFT JOIN stg_customers AS c ON c.email = o.email
WHERE c.customer_id IS NULL;
