package io.courier.examples.uba;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import io.courier.BacklogQuotaExceededException;
import io.courier.Broker;
import io.courier.CourierException;
import io.courier.Envelope;
import io.courier.examples.uba.report.v1.AcceptStatusReportData;
import io.courier.examples.uba.report.v1.PostReportRequest;
import io.courier.examples.uba.report.v1.PostReportResponse;
import io.courier.examples.uba.report.v1.RealTimeWarehousingData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The report gateway of the article: a data-layer publisher behind {@code POST /agent/v1/report}. It validates the
 * request, publishes one message, and answers {@code {"code":0,"msg":"success"}} only after the broker stored it; a
 * failed or timed-out publish answers 503 with the reason (never a fake success).
 */
public final class ReportGateway {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace().alwaysPrintFieldsWithNoPresence();
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private final Broker broker;
    private final int maxBodyBytes;
    private final String codec;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder unavailable = new LongAdder();

    public ReportGateway(Broker broker, int maxBodyBytes, String codec) {
        this.broker = broker;
        this.maxBodyBytes = maxBodyBytes;
        this.codec = codec;
    }

    public long accepted() {
        return accepted.sum();
    }

    public long rejected() {
        return rejected.sum();
    }

    public long unavailable() {
        return unavailable.sum();
    }

    /** The HTTP handler of {@code /agent/v1/report}. */
    public void handle(HttpExchange exchange) throws IOException {
        long receivedUs = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().add("Allow", "POST");
                answer(exchange, 405, 405, "use POST");
                return;
            }
            byte[] body = readLimited(exchange.getRequestBody(), maxBodyBytes);
            if (body == null) {
                rejected.increment();
                answer(exchange, 400, 400, "request body exceeds " + maxBodyBytes + " bytes");
                return;
            }
            PostReportRequest.Builder request = PostReportRequest.newBuilder();
            try {
                PARSER.merge(new String(body, StandardCharsets.UTF_8), request);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                rejected.increment();
                answer(exchange, 400, 400, "malformed JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                return;
            }
            List<String> problems = validate(request.build());
            if (!problems.isEmpty()) {
                rejected.increment();
                answer(exchange, 400, 400, String.join("; ", problems));
                return;
            }
            try {
                publish(request.build(), receivedUs);
            } catch (BacklogQuotaExceededException e) {
                unavailable.increment();
                answer(exchange, 503, 503, "busy: " + e.getMessage());
                return;
            } catch (CourierException e) {
                // a failed or timed-out publish, or a broker closed or refusing for another reason: an answer, never a hang-up
                unavailable.increment();
                answer(exchange, 503, 503, "report not stored: " + e.getMessage());
                return;
            }
            accepted.increment();
            answer(exchange, 200, 0, "success");
        }
    }

    static List<String> validate(PostReportRequest r) {
        List<String> problems = new ArrayList<>();
        if (!r.getReportType().equals("event") && !r.getReportType().equals("user")) {
            problems.add("report_type must be 'event' or 'user', got '" + r.getReportType() + "'");
        }
        if (r.getAppId().isBlank()) {
            problems.add("app_id is required");
        }
        if (r.getEventName().isBlank()) {
            problems.add("event_name is required");
        } else if (r.getEventName().length() > 128) {
            problems.add("event_name must be at most 128 characters");
        }
        if (r.getContent().isEmpty()) {
            problems.add("content is required");
        }
        return problems;
    }

    private void publish(PostReportRequest r, long receivedUs) {
        String received = Long.toString(receivedUs);
        if (r.getReportType().equals("event")) {
            RealTimeWarehousingData data = RealTimeWarehousingData.newBuilder().setEventName(r.getEventName())
                    .setReportData(r.getContent()).setCreateTime(receivedUs / 1000).build();
            broker.publish(Envelope.builder(Topics.EVENT, data).key(r.getAppId()).codec(codec)
                    .header(Topics.RECEIVED_AT, received).build());
        } else {
            AcceptStatusReportData data = AcceptStatusReportData.newBuilder().setDataName(r.getEventName())
                    .setReportType(r.getReportType()).setReportData(r.getContent()).setStatus("accepted")
                    .setPartEvent(r.getEventName()).setPartDate(DAY.format(Instant.ofEpochMilli(receivedUs / 1000))).build();
            broker.publish(Envelope.builder(Topics.USER, data).key(r.getAppId()).codec(codec)
                    .header(Topics.RECEIVED_AT, received).build());
        }
    }

    /** The body, or null when it is longer than {@code limit}. */
    private static byte[] readLimited(InputStream in, int limit) throws IOException {
        byte[] data = in.readNBytes(limit + 1);
        return data.length > limit ? null : data;
    }

    private static void answer(HttpExchange exchange, int status, int code, String msg) throws IOException {
        Message response = PostReportResponse.newBuilder().setCode(code).setMsg(msg).build();
        byte[] bytes = PRINTER.print(response).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
