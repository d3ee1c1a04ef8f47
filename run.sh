#!/usr/bin/env bash
# Runs Courier's main job: builds what is needed, then runs the quick-start service on memory://.
# Usage: ./run.sh [broker-url] [message-count]
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B -DskipTests install
exec mvn -q -B -pl examples/quickstart exec:java -Dexec.args="${*:-memory://quickstart 10000}"
