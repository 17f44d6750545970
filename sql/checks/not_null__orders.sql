-- not null: what revenue needs of an order.
SELECT order_id, email, amount, currency, status, created_at
FROM stg_orders
WHERE email IS NULL
  OR amount IS NULL
  OR currency IS NULL
  OR status IS NULL
  OR created_at IS NULL;
