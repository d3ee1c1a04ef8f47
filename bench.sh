#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one run, then its figures written into BENCHMARKS.md and README.md:
#   - Pulsar (embedded standalone): Courier against the raw client and Spring for Apache Pulsar (Boot's defaults, and
#     matched settings), throughput, allocation, GC and live heap; fixed-rate end-to-end latency; memory:// against an
#     ArrayBlockingQueue hand-off
#   - Kafka (embedded KRaft node): Courier against the raw kafka-clients and Spring for Apache Kafka (both ways)
#   - RabbitMQ (a private node of the rabbitmq-server package): Courier against the raw amqp-client and Spring AMQP
#   - NATS JetStream (a private server of the nats-server package): Courier against the raw jnats client
#   - the outbox relay against direct publishing and the idempotent consumer against a keyed insert (PostgreSQL, NATS)
#   - the example pipeline on H2 and PostgreSQL per saver batch size, and its gateway under wrk and at a fixed rate
#
#   ./bench.sh            # the full run; the documents' figure blocks are rewritten from it (the tables in target/benchmarks)
#   ./bench.sh --quick    # a few minutes' look at small sizes; documents untouched
#
# Needs: wrk (Debian: apt-get install wrk), rabbitmq-server (Debian's package; only its node scripts are used), nats-server and PostgreSQL on 127.0.0.1:5432 (database test, user postgres, trust).
set -euo pipefail
cd "$(dirname "$0")"
quick=false
case "${1:-}" in
    --quick) quick=true ;;
    "") ;;
    *) echo "usage: ./bench.sh [--quick]" >&2; exit 2 ;;
esac
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
out="$PWD/target/benchmarks"
rm -rf "$out"
mkdir -p "$out"
began=$(date +%s)
# exec:java runs in Maven's JVM: a fixed, pre-touched heap, so that no round pays for the collector growing it or for
# touching its pages (the Spring contenders' matched runs get the same in their own JVMs)
export MAVEN_OPTS="${MAVEN_OPTS:--Xms4g -Xmx4g -XX:+AlwaysPreTouch}"
# only what the benchmarks run, with what they depend on
mvn -q -B -DskipTests install -pl courier-bench,courier-bench-spring,courier-bench-spring-kafka,courier-bench-spring-rabbit -am
bench() {
    mvn -q -B -pl courier-bench exec:java -Dcourier.bench.out="$out" -Dexec.args="$*"
}
if $quick; then
    bench all --messages 100000 --rounds 1 --latency-seconds 5 --latency-rounds 1 | tee "$out/pulsar.log"
    bench alloc --messages 50000 --rounds 1 | tee "$out/alloc.log"
    bench kafka --messages 50000 --rounds 1 | tee "$out/kafka.log"
    bench rabbitmq --messages 20000 --rounds 1 | tee "$out/rabbitmq.log"
    bench nats --messages 20000 --rounds 1 | tee "$out/nats.log"
    bench outbox --messages 20000 --rounds 1 | tee "$out/outbox.log"
    bench pipeline --reports 2000 --batch-sizes 500 --rounds 1 | tee "$out/pipeline.log"
    bench gateway --wrk-seconds 5 --rate 2000 --rate-seconds 5 | tee "$out/gateway.log"
    echo "tables in $out (a quick look: the documents are not changed)"
    exit 0
fi
bench all --messages 1000000 --rounds 3 --latency-seconds 15 --latency-rounds 2 | tee "$out/pulsar.log"
bench alloc --messages 200000 --rounds 3 | tee "$out/alloc.log"
bench kafka --messages 200000 --rounds 3 | tee "$out/kafka.log"
bench rabbitmq --messages 100000 --rounds 3 | tee "$out/rabbitmq.log"
bench nats --messages 100000 --rounds 3 | tee "$out/nats.log"
bench outbox --messages 100000 --rounds 3 | tee "$out/outbox.log"
bench pipeline --reports 5000 --batch-sizes 1,20,500 --rounds 3 | tee "$out/pipeline.log"
bench gateway --wrk-seconds 20 --rate 5000 --rate-seconds 20 | tee "$out/gateway.log"
minutes=$(( ($(date +%s) - began + 59) / 60 ))
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo '+uncommitted')"
stamp="./bench.sh of $(date -u +%Y-%m-%d), commit $commit, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1 | cut -d'"' -f2) Java; the whole run took $minutes min"
mvn -q -B -pl courier-bench exec:java -Dexec.mainClass=io.courier.bench.BenchReport \
    -Dexec.args="--fragments $out --stamp '$stamp' --document $PWD/BENCHMARKS.md --document $PWD/README.md"
echo "tables in $out; BENCHMARKS.md and README.md updated from this run ($minutes min)"
