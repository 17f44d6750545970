-- not null: the columns reverse ETL matches and segments on.
SELECT customer_id, email, country, plan
FROM marts.customer_360
WHERE email IS NULL OR country IS NULL OR plan IS NULL;
