#!/usr/bin/env bash
# Runs the CSV drop-folder benchmark (see INGESTION.md) from the repository root:
#   pipelines/benchmarks/run-csv-benchmark.sh [--rows 10000000] [--files 20]
#       [--checkpoint-interval 10s]
# io.tideline.bench.CsvBenchmark in one JVM (10 GB of heap: the STREAMING job keeps every key in heap
# state), built and run by bench.sh; results in pipelines/target/bench-csv/results.md, a JFR profile
# in pipelines/target/bench-csv.jfr.
exec "$(dirname "$0")/bench.sh" CsvBenchmark 10g bench-csv "$@"
