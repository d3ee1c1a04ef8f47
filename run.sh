#!/usr/bin/env bash
# Courier's main job: the article's pipeline. Builds only when sources changed since its last build, starts an
# embedded Pulsar (or Kafka), the saver (H2 by default) and the report gateway, sends synthetic reports over HTTP and
# prints a summary.
# Usage: ./run.sh [--reports N] [--concurrency C] [--batch N] [--broker pulsar|kafka|memory] [--broker-url URL] [--database-url JDBC] [--http-addr HOST:PORT] [--serve]
set -euo pipefail
cd "$(dirname "$0")"
for arg in "$@"; do
    if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then
        cat <<'USAGE'
Usage: ./run.sh [options]      the article's pipeline: report gateway (HTTP) -> broker -> saver -> database

  --reports N              synthetic reports to send over HTTP (default 10000; 0 sends none)
  --concurrency C          HTTP connections sending them (default 16)
  --batch N                reports per request to POST /agent/v1/reports, as an analytics SDK sends them
                           (default 100; 1 sends each to the article's POST /agent/v1/report)
  --savers N               saver instances sharing the subscription, as more saver processes would (default 1)
  --broker pulsar|kafka|memory
                           the embedded broker to start (default pulsar)
  --broker-url URL         a running broker instead: pulsar://host:6650, kafka://host:9092, memory://name
  --database-url JDBC      jdbc:postgresql://127.0.0.1:5432/test (user from UBA_DATA_DATABASE_USER); default H2
  --http-addr HOST:PORT    the gateway's address (default 127.0.0.1:8800)
  --config FILE            YAML like examples/uba/src/main/resources/uba.yaml
  --serve                  keep running for curl until Ctrl-C or SIGTERM
  --otlp-endpoint URL      traces and metrics over OTLP/HTTP
  --metrics-port N         Prometheus metrics on this port
  -h, --help               this text
USAGE
        exit 0
    fi
done
# build only when a source, resource or pom changed since the last build this script made
marker=target/.run-built
if [ ! -f "$marker" ] || [ -n "$(find . -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' \
        -o -path '*/src/main/resources/*' \) -newer "$marker" -print -quit)" ]; then
    mvn -q -B -DskipTests install
    mkdir -p target
    touch "$marker"
fi
exec mvn -q -B -pl examples/uba exec:java -Dexec.args="${*:---reports 10000}"
