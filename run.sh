#!/usr/bin/env bash
# Courier's main job: the article's pipeline (report gateway over HTTP -> broker -> saver -> database) on an embedded
# broker: `./courier demo`, which builds Courier once (and again only when a source changed).
# Usage: ./run.sh [--reports N] [--broker pulsar|kafka|memory] [--broker-url URL] [--database-url JDBC] [--serve] ...
#        ./run.sh --help lists every option.
set -euo pipefail
exec "$(cd "$(dirname "$0")" && pwd)/courier" demo "$@"
