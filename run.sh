#!/usr/bin/env bash
# Courier's main job: the article's pipeline (report gateway over HTTP -> broker -> saver -> database) on an embedded
# broker, through `./courier demo`. Builds once, and again only when a source, resource or pom changed since.
# Usage: ./run.sh [--reports N] [--broker pulsar|kafka|memory] [--broker-url URL] [--database-url JDBC] [--serve] ...
#        ./run.sh --help lists every option.
set -euo pipefail
cd "$(dirname "$0")"
marker=target/.run-built
jar="$(ls courier-cli/target/courier-cli-*-all.jar 2>/dev/null | head -n 1 || true)"
if [ -z "$jar" ] || [ ! -f "$marker" ] || [ -n "$(find . -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' \
        -o -path '*/src/main/resources/*' \) -newer "$marker" -print -quit)" ]; then
    echo "building Courier (mvn install without tests; the first build takes a few minutes) ..." >&2
    mvn -q -B -DskipTests install
    mkdir -p target
    touch "$marker"
fi
exec ./courier demo "$@"
