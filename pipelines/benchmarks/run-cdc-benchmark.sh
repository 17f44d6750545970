#!/usr/bin/env bash
# Runs the postgres-cdc benchmark (see CDC.md) from the repository root:
#   pipelines/benchmarks/run-cdc-benchmark.sh [--rows N] [--rate R] [--seconds S]
#       [--checkpoint-interval 2s] [--changelog-property write.format.default=avro ...]
# io.tideline.bench.CdcBenchmark in one JVM, built and run by bench.sh; results in
# pipelines/target/bench-cdc/results.md, a JFR profile in pipelines/target/bench-cdc.jfr.
exec "$(dirname "$0")/bench.sh" CdcBenchmark 3g bench-cdc "$@"
