#!/usr/bin/env bash
# Runs the SQL layer benchmark (see SQL.md) from the repository root:
#   pipelines/benchmarks/run-sql-benchmark.sh [--events 10000000] [--orders 1000000] [--customers 100000]
# It builds core and the pipelines' test classes in one reactor build (nothing is installed into the
# shared ~/.m2: core comes from core/target), copies the pipelines' classes aside (other builds may
# rewrite target/ meanwhile), then runs io.tideline.bench.SqlBenchmark: data generation, the
# runner's BATCH build (write-audit-publish), then the same build through the Flink SQL client in its
# own JVM.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl pipelines -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/sql-bench.cp -Dmdep.includeScope=test -Dspotless.check.skip=true
cd pipelines
rm -rf target/sql-bench-cp && mkdir -p target/sql-bench-cp
cp -r target/test-classes target/classes target/sql-bench-cp/
exec java \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Xmx3g -Djava.io.tmpdir="$PWD/target" \
  -cp "target/sql-bench-cp/test-classes:target/sql-bench-cp/classes:$(cat target/sql-bench.cp)" \
  io.tideline.bench.SqlBenchmark --dir target/sql-bench "$@"
