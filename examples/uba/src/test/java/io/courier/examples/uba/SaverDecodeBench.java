package io.courier.examples.uba;

import com.google.protobuf.util.JsonFormat;
import io.courier.core.codec.JsonCodec;
import io.courier.examples.uba.report.v1.AcceptStatusReportData;
import io.courier.examples.uba.report.v1.RealTimeWarehousingData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The saver's decoding alone: the report messages exactly as the gateway publishes them (json codec) decoded by
 * Courier's json codec, against protobuf's own {@code JsonFormat} parser (what the codec used before) on the same
 * payloads in the same run. Rounds alternate the order; the ratio is per round.
 *
 * <pre>mvn -q -pl examples/uba exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.courier.examples.uba.SaverDecodeBench -Dexec.args="200000 5"</pre>
 *
 * <p>Arguments: {@code [messages per round (200000)] [rounds (5)]}.
 */
public final class SaverDecodeBench {
    private SaverDecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        JsonCodec codec = new JsonCodec();
        JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
        List<byte[]> events = new ArrayList<>(n);
        List<byte[]> statuses = new ArrayList<>(n / 4);
        for (int i = 0; i < n; i++) {
            long now = 1_733_312_345_678L + i;
            String content = "{\"seq\":" + i + ",\"page\":\"/catalog/item-" + (i % 97) + "\"}";
            if (i % 4 == 3) {
                statuses.add(codec.encode(AcceptStatusReportData.newBuilder().setDataName(i % 2 == 0 ? "page_view" : "click")
                        .setReportType("user").setReportData(content).setStatus("accepted").setPartEvent("click")
                        .setPartDate("2026-12-04").build()));
            } else {
                events.add(codec.encode(RealTimeWarehousingData.newBuilder().setEventName(i % 2 == 0 ? "page_view" : "click")
                        .setReportData(content).setCreateTime(now).build()));
            }
        }
        System.out.printf("saver decode benchmark: %,d messages per round (%,d events, %,d user statuses, e.g. %s), %d rounds, Java %s%n",
                n, events.size(), statuses.size(), new String(events.get(0), StandardCharsets.UTF_8), rounds,
                System.getProperty("java.version"));
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double jsonFormat = 0;
            double courier = 0;
            for (int k = 0; k < 2; k++) {   // which decoder runs first alternates from round to round
                if ((round + k) % 2 == 0) {
                    courier = rate(n, () -> decodeAll(codec, events, statuses));
                } else {
                    jsonFormat = rate(n, () -> parseAll(parser, events, statuses));
                }
            }
            ratios.add(courier / jsonFormat);
            System.out.printf(Locale.ROOT, "round %d: JsonFormat %,.0f msg/s, Courier json codec %,.0f msg/s, ratio %.2f%n",
                    round, jsonFormat, courier, courier / jsonFormat);
        }
        ratios.sort(null);
        System.out.printf(Locale.ROOT, "| decode, Courier json codec / JsonFormat | %.2f | %.2f–%.2f |%n", ratios.get(ratios.size() / 2),
                ratios.get(0), ratios.get(ratios.size() - 1));
    }

    private interface Work {
        long run() throws Exception;
    }

    private static long sink;

    private static double rate(int n, Work work) throws Exception {
        long start = System.nanoTime();
        sink += work.run();
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static long decodeAll(JsonCodec codec, List<byte[]> events, List<byte[]> statuses) {
        long total = 0;
        for (byte[] e : events) {
            total += ((RealTimeWarehousingData) codec.decode(e, RealTimeWarehousingData.class)).getCreateTime();
        }
        for (byte[] s : statuses) {
            total += ((AcceptStatusReportData) codec.decode(s, AcceptStatusReportData.class)).getStatus().length();
        }
        return total;
    }

    private static long parseAll(JsonFormat.Parser parser, List<byte[]> events, List<byte[]> statuses) throws Exception {
        long total = 0;
        for (byte[] e : events) {
            RealTimeWarehousingData.Builder b = RealTimeWarehousingData.newBuilder();
            parser.merge(new String(e, StandardCharsets.UTF_8), b);
            total += b.build().getCreateTime();
        }
        for (byte[] s : statuses) {
            AcceptStatusReportData.Builder b = AcceptStatusReportData.newBuilder();
            parser.merge(new String(s, StandardCharsets.UTF_8), b);
            total += b.build().getStatus().length();
        }
        return total;
    }
}
