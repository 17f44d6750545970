-- The Iceberg databases of the SQL layer and the data-quality tables. Idempotent: run before every
-- build. The marts' tables are not here: the runner creates each table model's table from the
-- model's query and its settings in models.yaml (format v2; the key becomes the Iceberg identifier
-- fields, which the streaming build upserts on).

CREATE DATABASE IF NOT EXISTS marts;

CREATE DATABASE IF NOT EXISTS quality;

-- Every row a data-quality check found, one JSON object per row, with the check's name.
CREATE TABLE IF NOT EXISTS quality.violations (
  check_name STRING NOT NULL,
  run_id STRING NOT NULL,
  `mode` STRING,
  checked_at TIMESTAMP_LTZ(6),
  violation STRING
) WITH ('format-version' = '2');

-- One row per check per round of checks (violations is 0 when the check passed): the history of the
-- data quality, and what the STREAMING job's quality metrics read (io.tideline.sql.QualityMetrics).
CREATE TABLE IF NOT EXISTS quality.check_runs (
  check_name STRING NOT NULL,
  run_id STRING NOT NULL,
  `mode` STRING,
  checked_at TIMESTAMP_LTZ(6),
  violations BIGINT
) WITH ('format-version' = '2');
