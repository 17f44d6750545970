-- Tideline SQL layer: session setup.
--
-- Registers the Iceberg catalog and makes it current, with the ingested tables' namespace as the
-- current database (so that SHOW TABLES lists them and `SELECT * FROM customers` reads
-- landing.customers). Run it first, in the SQL client with `-i`, or
-- through the runner (io.tideline.sql.SqlRunner), which substitutes the variables. The PostgreSQL
-- serving tables (serving_<model>, the JDBC connector) are derived from models.yaml: the runner's
-- clientInitScript() (what the local platform hands the SQL client) appends them to this file.
--
--   ${CATALOG}          the catalog name (catalog.name)
--   ${CATALOG_OPTIONS}  the Iceberg catalog options, rendered from the catalog section
--   ${INGESTION_NAMESPACE}
--                       the Iceberg namespace of the ingested tables (ingestion.namespace, default
--                       landing): the Flink database of events, orders, customers, their change
--                       logs, the quarantine and the late table
--   ${PG_URL}           jdbc:postgresql://host:port/database
--   ${PG_USER}          the PostgreSQL user
--   ${PG_PASSWORD}      the PostgreSQL password (a secret: substituted, never printed; '' for a
--                       server that trusts the connection)
--
-- The variables use the shell's ${NAME} syntax, so `envsubst < init.sql > /tmp/init.sql` renders
-- this file for the SQL client by hand.

-- Every timestamp is UTC: days and hours of the marts are UTC days and hours.
SET 'table.local-time-zone' = 'UTC';

CREATE CATALOG ${CATALOG} WITH (
  'type' = 'iceberg',
  ${CATALOG_OPTIONS}
);

USE CATALOG ${CATALOG};

-- The ingested tables' namespace, created if ingestion has not run yet, is the current database.
-- The SQL layer's own tables are always named with their database (marts.*, quality.*).
CREATE DATABASE IF NOT EXISTS `${INGESTION_NAMESPACE}`;

USE `${INGESTION_NAMESPACE}`;
