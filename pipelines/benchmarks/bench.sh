#!/usr/bin/env bash
# What the pipelines' benchmark scripts share: builds core and the pipelines' test classes in one
# reactor build (online, so that a plugin missing from the local repository is fetched; nothing is
# installed: core's classes come from core/target), then runs one benchmark class in one JVM with a
# JFR profile. Called as: bench.sh <class> <heap> <output dir under pipelines/target> [args...]
set -euo pipefail
main=$1 heap=$2 out=$3
shift 3
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl pipelines -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test -Dspotless.check.skip=true \
  -Denforcer.skip=true
cd pipelines
exec java \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Xmx"$heap" -Djava.io.tmpdir="$PWD/target" \
  -XX:StartFlightRecording=filename="$PWD/target/$out.jfr",settings=profile \
  -cp "target/test-classes:target/classes:$(cat target/bench.cp)" \
  "io.tideline.bench.$main" --dir "target/$out" "$@"
