-- outliers: an order_placed amount more than ${OUTLIER_STDDEVS} standard deviations from the mean
-- of the orders placed in the same currency during the ${OUTLIER_WINDOW_DAYS} days before it
-- (sql.checks.outlier-stddevs, outlier-window), judged once that window holds at least
-- ${OUTLIER_MIN_SAMPLES} orders (outlier-min-samples). Statistics in DOUBLE: they are not money.
SELECT event_id, order_id, currency, amount, trailing_orders, trailing_mean, trailing_stddev
FROM (
  SELECT
    o.event_id,
    o.order_id,
    o.currency,
    o.amount,
    COUNT(p.event_id) AS trailing_orders,
    AVG(CAST(p.amount AS DOUBLE)) AS trailing_mean,
    STDDEV_POP(CAST(p.amount AS DOUBLE)) AS trailing_stddev
  FROM stg_events AS o
  JOIN stg_events AS p
    ON p.currency = o.currency
    AND p.event_time < o.event_time
    AND p.event_time >= TIMESTAMPADD(DAY, -${OUTLIER_WINDOW_DAYS}, o.event_time)
  WHERE o.event_type = 'order_placed'
    AND p.event_type = 'order_placed'
    AND o.amount IS NOT NULL
    AND p.amount IS NOT NULL
  GROUP BY o.event_id, o.order_id, o.currency, o.amount
)
WHERE trailing_orders >= ${OUTLIER_MIN_SAMPLES}
  AND ABS(CAST(amount AS DOUBLE) - trailing_mean) > ${OUTLIER_STDDEVS} * trailing_stddev;
