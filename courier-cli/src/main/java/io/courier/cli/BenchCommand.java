package io.courier.cli;

import io.courier.ConfigurationException;
import io.courier.examples.uba.GatewayBench;
import io.courier.examples.uba.PipelineBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code courier bench pipeline | gateway}: the example pipeline's benchmarks on an embedded Pulsar (the figures of
 * BENCHMARKS.md). The backend benchmarks against the raw clients run from {@code ./bench.sh}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"The example pipeline's benchmarks on an embedded Pulsar (BENCHMARKS.md's figures).",
                "The benchmarks of Courier against the raw Pulsar and Kafka clients run from ./bench.sh."},
        subcommands = {BenchCommand.Pipeline.class, BenchCommand.Gateway.class})
final class BenchCommand {

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = "HTTP accept to database row, per saver batch size, on H2 and (when it answers) PostgreSQL.")
    static final class Pipeline implements Callable<Integer> {
        @Option(names = "--reports", paramLabel = "N", defaultValue = "5000", description = "Reports per run (default ${DEFAULT-VALUE}).")
        int reports;

        @Option(names = "--batch-sizes", paramLabel = "N,N", split = ",", defaultValue = "1,20,500",
                description = "Saver batch sizes to compare (default ${DEFAULT-VALUE}).")
        List<Integer> sizes;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
        int rounds;

        @Override
        public Integer call() throws Exception {
            if (reports < 100 || rounds < 1 || sizes.stream().anyMatch(s -> s < 1 || s > 2000)) {
                throw new ConfigurationException("--reports must be at least 100, --rounds at least 1 and each batch size "
                        + "1 to 2000; got " + reports + ", " + rounds + ", " + sizes);
            }
            PipelineBench.main(new String[] {Integer.toString(reports), String.join(",",
                    sizes.stream().map(String::valueOf).toList()), Integer.toString(rounds)});
            return 0;
        }
    }

    @Command(name = "gateway", mixinStandardHelpOptions = true,
            description = {"The gateway under wrk (64 and 256 connections, one report and batches of 100 per request)",
                    "and under a fixed rate, on PostgreSQL; needs wrk (apt-get install wrk)."})
    static final class Gateway implements Callable<Integer> {
        @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Each wrk run (default ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--rate", paramLabel = "R", defaultValue = "5000",
                description = "Reports per second of the fixed-rate run (default ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--rate-seconds", paramLabel = "S", defaultValue = "20",
                description = "Length of the fixed-rate run (default ${DEFAULT-VALUE}).")
        int rateSeconds;

        @Option(names = "--codec", paramLabel = "json|proto", defaultValue = "json",
                description = "The codec between gateway and saver (default ${DEFAULT-VALUE}).")
        String codec;

        @Option(names = "--savers", paramLabel = "N", defaultValue = "1", description = "Saver instances (default ${DEFAULT-VALUE}).")
        int savers;

        @Override
        public Integer call() throws Exception {
            if (seconds < 1 || rate < 1 || rateSeconds < 1 || savers < 1 || savers > 16
                    || !(codec.equals("json") || codec.equals("proto"))) {
                throw new ConfigurationException("--seconds, --rate and --rate-seconds must be at least 1, --savers 1 to 16, "
                        + "--codec json or proto; got " + seconds + ", " + rate + ", " + rateSeconds + ", " + savers + ", " + codec);
            }
            GatewayBench.main(new String[] {Integer.toString(seconds), Integer.toString(rate), Integer.toString(rateSeconds),
                    codec, Integer.toString(savers)});
            return 0;
        }
    }
}
