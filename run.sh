#!/usr/bin/env bash
# Courier's main job: the article's pipeline. Builds what is needed, starts an embedded Pulsar, the saver (H2 by
# default) and the report gateway, sends synthetic reports over HTTP and prints a summary.
# Usage: ./run.sh [--reports N] [--concurrency C] [--broker pulsar|kafka|memory] [--broker-url URL] [--database-url JDBC] [--http-addr HOST:PORT] [--serve]
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B -DskipTests install
exec mvn -q -B -pl examples/uba exec:java -Dexec.args="${*:---reports 10000}"
