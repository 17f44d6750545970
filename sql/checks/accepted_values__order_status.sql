-- accepted values: the order statuses the marts know (cancelled orders are left out of revenue,
-- refunded ones count as orders with no revenue).
SELECT order_id, status
FROM stg_orders
WHERE status IS NULL
  OR status NOT IN ('pending', 'placed', 'paid', 'shipped', 'completed', 'refunded', 'cancelled');
