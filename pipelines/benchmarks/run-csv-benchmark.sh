#!/usr/bin/env bash
# Runs the CSV drop-folder benchmark (see INGESTION.md) from the repository root:
#   pipelines/benchmarks/run-csv-benchmark.sh [--rows 10000000] [--files 20]
#       [--checkpoint-interval 10s]
# It builds core and the pipelines' test classes in one reactor build (nothing is installed into the
# local repository: core's classes come from core/target), then runs
# io.tideline.bench.CsvBenchmark in one JVM, with a JFR profile in
# pipelines/target/bench-csv.jfr.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl pipelines -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test -Dspotless.check.skip=true \
  -Denforcer.skip=true
cd pipelines
exec java \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Xmx10g -Djava.io.tmpdir="$PWD/target" \
  -XX:StartFlightRecording=filename="$PWD/target/bench-csv.jfr",settings=profile \
  -cp "target/test-classes:target/classes:$(cat target/bench.cp)" \
  io.tideline.bench.CsvBenchmark --dir target/bench-csv "$@"
