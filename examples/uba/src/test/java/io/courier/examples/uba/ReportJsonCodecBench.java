package io.courier.examples.uba;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.courier.core.codec.JsonCodec;
import io.courier.examples.uba.report.v1.AcceptStatusReportData;
import io.courier.examples.uba.report.v1.RealTimeWarehousingData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The json codec alone on the example's report messages: the saver's decoding (the messages exactly as the gateway
 * publishes them) and the gateway's encoding, each by Courier's json codec against protobuf's own {@code JsonFormat}
 * parser or printer (what the codec used before) on the same messages in the same run. Rounds alternate the order;
 * the ratio is per round.
 *
 * <pre>mvn -q -pl examples/uba exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.courier.examples.uba.ReportJsonCodecBench -Dexec.args="200000 5"</pre>
 *
 * <p>Arguments: {@code [messages per round (200000)] [rounds (5)]}.
 */
public final class ReportJsonCodecBench {
    private ReportJsonCodecBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        JsonCodec codec = new JsonCodec();
        JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
        JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        List<Message> messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long now = 1_733_312_345_678L + i;
            String content = "{\"seq\":" + i + ",\"page\":\"/catalog/item-" + (i % 97) + "\"}";
            if (i % 4 == 3) {
                messages.add(AcceptStatusReportData.newBuilder().setDataName(i % 2 == 0 ? "page_view" : "click")
                        .setReportType("user").setReportData(content).setStatus("accepted").setPartEvent("click")
                        .setPartDate("2026-12-04").build());
            } else {
                messages.add(RealTimeWarehousingData.newBuilder().setEventName(i % 2 == 0 ? "page_view" : "click")
                        .setReportData(content).setCreateTime(now).build());
            }
        }
        List<byte[]> events = new ArrayList<>(n);
        List<byte[]> statuses = new ArrayList<>(n / 4);
        for (Message m : messages) {
            (m instanceof AcceptStatusReportData ? statuses : events).add(codec.encode(m));
        }
        System.out.printf("report json codec benchmark: %,d messages per round (%,d events, %,d user statuses, e.g. %s), %d rounds, Java %s%n",
                n, events.size(), statuses.size(), new String(events.get(0), StandardCharsets.UTF_8), rounds,
                System.getProperty("java.version"));
        compare("decode", n, rounds, () -> decodeAll(codec, events, statuses), () -> parseAll(parser, events, statuses));
        compare("encode", n, rounds, () -> encodeAll(codec, messages), () -> printAll(printer, messages));
    }

    private static void compare(String what, int n, int rounds, Work courierWork, Work jsonFormatWork) throws Exception {
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double jsonFormat = 0;
            double courier = 0;
            long jsonFormatBytes = 0;
            long courierBytes = 0;
            for (int k = 0; k < 2; k++) {   // which one runs first alternates from round to round
                if ((round + k) % 2 == 0) {
                    courier = rate(n, courierWork);
                    courierBytes = lastBytesPerMessage;
                } else {
                    jsonFormat = rate(n, jsonFormatWork);
                    jsonFormatBytes = lastBytesPerMessage;
                }
            }
            ratios.add(courier / jsonFormat);
            System.out.printf(Locale.ROOT, "%s round %d: JsonFormat %,.0f msg/s (%,d B/msg allocated), Courier json codec %,.0f msg/s (%,d B/msg), ratio %.2f%n",
                    what, round, jsonFormat, jsonFormatBytes, courier, courierBytes, courier / jsonFormat);
        }
        ratios.sort(null);
        System.out.printf(Locale.ROOT, "| %s, Courier json codec / JsonFormat | %.2f | %.2f–%.2f |%n", what,
                ratios.get(ratios.size() / 2), ratios.get(0), ratios.get(ratios.size() - 1));
    }

    private static long encodeAll(JsonCodec codec, List<Message> messages) {
        long total = 0;
        for (Message m : messages) {
            total += codec.encode(m).length;
        }
        return total;
    }

    private static long printAll(JsonFormat.Printer printer, List<Message> messages) throws Exception {
        long total = 0;
        for (Message m : messages) {
            total += printer.print(m).getBytes(StandardCharsets.UTF_8).length;
        }
        return total;
    }

    private interface Work {
        long run() throws Exception;
    }

    private static long sink;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    /** Bytes the last {@link #rate} run allocated per message (on this thread: both codecs run on it alone). */
    private static long lastBytesPerMessage;

    private static double rate(int n, Work work) throws Exception {
        long allocated = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        sink += work.run();
        double rate = n / ((System.nanoTime() - start) / 1e9);
        lastBytesPerMessage = (THREADS.getCurrentThreadAllocatedBytes() - allocated) / n;
        return rate;
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
