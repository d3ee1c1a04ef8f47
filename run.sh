#!/usr/bin/env bash
# Courier's main job: the article's pipeline (report gateway over HTTP -> broker -> saver -> database) on an embedded
# broker. The first run builds the example and the library modules it uses (not the tools, the benchmarks or anyone's
# tests); later runs start at once and build again only when a source changed.
# Usage: ./run.sh [--reports N] [--broker pulsar|kafka|memory] [--broker-url URL] [--database-url JDBC] [--serve] ...
#        ./run.sh --help lists every option.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
marker="$here/examples/uba/target/.run-built"
classpath="$here/examples/uba/target/runtime.classpath"
stale() {
    [ ! -f "$marker" ] || [ ! -f "$classpath" ] || [ -n "$(cd "$here" && find . -path '*/target' -prune -o \( -name '*.java' \
        -o -name '*.proto' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$marker" -print -quit)" ]
}
if stale; then
    mkdir -p "$here/examples/uba/target"
    # one build at a time, even when two shells start it together on a fresh clone
    exec 9> "$here/examples/uba/target/.run-build.lock"
    flock 9
    if stale; then
        echo "run.sh: building the example and the modules it uses (the first build downloads them; later runs start at once) ..." >&2
        (cd "$here" && mvn -q -B -Dstyle.color=never -Dmaven.test.skip=true install -pl examples/uba -am) >&2
        touch "$marker"
    fi
    flock -u 9
fi
exec java -cp "$here/examples/uba/target/classes:$(cat "$classpath")" io.courier.examples.uba.UbaMain "$@"
