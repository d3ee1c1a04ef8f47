#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one run: Courier against the raw Pulsar client, Spring for Apache Pulsar and
# an ArrayBlockingQueue on one embedded Pulsar (throughput, allocation, heap, fixed-rate latency), Courier on an embedded
# Kafka against the raw kafka-clients (KAFKA_MESSAGES, default 200,000; about a minute), then the example pipeline on H2
# and PostgreSQL, and the gateway under wrk (Debian's package) and a fixed-rate load. About 15 minutes on 2 cores; the tables land in target/benchmarks.md.
#
#   ./bench.sh                      # defaults: 1,000,000 messages, 3 rounds, latency 15 s x 2 rounds, 5,000 reports
#   MESSAGES=200000 ROUNDS=3 LATENCY_SECONDS=10 LATENCY_ROUNDS=1 REPORTS=2000 ./bench.sh   # a quicker look
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p target
# exec:java runs in Maven's JVM: a fixed heap, so that no round pays for the collector growing it (with the default
# heap the first round's publishes spent up to 1.4 s of 5 in GC while later rounds spent 0.1 s)
# AlwaysPreTouch: the heap's pages are touched once at start, not by whichever round first grows into them (without
# it the memory:// rounds of one run ranged 281,000-875,000 msg/s; with it 640,000-863,000)
export MAVEN_OPTS="${MAVEN_OPTS:--Xms4g -Xmx4g -XX:+AlwaysPreTouch}"
# only what the benchmarks run, with what they depend on: 14 s instead of 71 s for a build of every module (the command
# line's shaded jar, the console, the consumer projects are not benchmarked)
mvn -q -B -DskipTests install -pl courier-bench,courier-bench-spring,courier-bench-spring-kafka,examples/uba -am
mvn -q -B -pl courier-bench exec:java \
    -Dexec.args="all ${MESSAGES:-1000000} ${ROUNDS:-3} ${LATENCY_SECONDS:-15} ${LATENCY_ROUNDS:-2}" \
    | tee target/bench-pulsar.log
mvn -q -B -pl courier-bench exec:java -Dexec.args="kafka ${KAFKA_MESSAGES:-200000} ${ROUNDS:-3}" | tee target/bench-kafka.log
mvn -q -B -pl examples/uba exec:java -Dexec.mainClass=io.courier.examples.uba.PipelineBench \
    -Dexec.args="${REPORTS:-5000} 1,20,500 ${ROUNDS:-3}" | tee target/bench-pipeline.log
# the gateway under wrk (Debian package) and a fixed-rate load, on PostgreSQL
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
mvn -q -B -pl examples/uba exec:java -Dexec.mainClass=io.courier.examples.uba.GatewayBench \
    -Dexec.args="${WRK_SECONDS:-20} ${RATE:-5000} ${RATE_SECONDS:-20}" | tee target/bench-gateway.log
{
    printf '\n### The example pipeline (HTTP accept to database row)\n\n'
    sed -n 's/^.*\(pipeline benchmark\)/\1/p' target/bench-pipeline.log   # past Maven's colour codes
    printf '\n'
    grep '^|' target/bench-pipeline.log
    printf '\n### The gateway under wrk and at a fixed rate (PostgreSQL)\n\n'
    sed -n 's/^.*\(gateway benchmark\)/\1/p' target/bench-gateway.log
    printf '\n'
    grep '^|' target/bench-gateway.log
    cat target/benchmarks-kafka.md 2>/dev/null || true
} >> target/benchmarks.md
echo "tables: $(pwd)/target/benchmarks.md"
