#!/usr/bin/env bash
# Runs the ingestion benchmark (see INGESTION.md) from the repository root:
#   pipelines/benchmarks/run-ingestion-benchmark.sh [--events N] [--latency-seconds S]
#       [--latency-rate R] [--checkpoint-intervals 2s,5s] [--latency-only] [--latency-warmup S]
#       [--soak-minutes M] [--maintain-every 1m] [--throughput-only] [--managed-memory 1g]
#       [--table-property write.parquet.compression-codec=snappy ...]
#       [--changelog-property write.format.default=avro ...]
# io.tideline.bench.IngestionBenchmark in one JVM (the broker in its own), built and run by bench.sh;
# results in pipelines/target/bench/results.md, a JFR profile in pipelines/target/bench.jfr.
exec "$(dirname "$0")/bench.sh" IngestionBenchmark 3g bench "$@"
