package io.courier.examples.uba;

import io.courier.pulsar.embedded.EmbeddedPulsar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jetty against Undertow as the gateway's HTTP server, everything else equal: one pipeline (embedded Pulsar, saver on
 * PostgreSQL), one {@link ReportGateway}, the production Jetty server and {@link UndertowGateway} listening side by side,
 * wrk posting one report per request at 64 and 256 connections to each in turn (the order reversed every round).
 * Each run ends when every accepted report is a row, as in {@link GatewayBench}.
 *
 * <pre>mvn -q -pl examples/uba exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.courier.examples.uba.GatewayServersBench -Dexec.args="20 2"</pre>
 *
 * <p>Arguments: {@code [seconds per wrk run (20)] [rounds (2)]}.
 */
public final class GatewayServersBench {
    private GatewayServersBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path script = GatewayBench.wrkScripts().resolve("report.lua");
        UbaConfig config = UbaConfig.load(null, Map.of("UBA_DATA_DATABASE_USER", "postgres", "UBA_DATA_DATABASE_PASSWORD", ""))
                .with(null, GatewayBench.POSTGRES, "127.0.0.1:0");
        System.out.printf("gateway servers benchmark: %d s per wrk run, %d rounds, PostgreSQL, %d cores, Java %s%n", seconds,
                rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        List<String> rows = new ArrayList<>();
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().throughput(true).heap("1g").build().start();
             Database database = Database.open(config.data().database());
             UbaServices services = UbaServices.on(config, pulsar.serviceUrl(), pulsar.httpUrl(), database)) {
            services.startSaver();
            services.startGateway();
            try (UndertowGateway undertow = new UndertowGateway(services.gateway())) {
                Map<String, String> servers = new java.util.LinkedHashMap<>();
                servers.put("Jetty 12", services.gatewayUri().toString());
                servers.put("Undertow 2.4", undertow.uri().toString());
                for (String url : servers.values()) {   // warm-up of both (C2 compiles each server's hot paths), not recorded
                    GatewayBench.wrk(services, script, 64, seconds, url, 1);
                }
                for (int round = 1; round <= rounds; round++) {
                    List<Map.Entry<String, String>> order = new ArrayList<>(servers.entrySet());
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (int connections : new int[] {64, 256}) {
                        for (Map.Entry<String, String> server : order) {
                            rows.add(GatewayBench.wrk(services, script, connections, seconds, server.getValue(), 1)
                                    .row(server.getKey() + ", round " + round + ", wrk " + connections + " connections"));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| server, load | reports/s stored | HTTP requests/s | HTTP p50 ms | HTTP p99 ms | accept -> row p99 ms | answers |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }
}
