package io.courier.examples.uba;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.courier.BacklogQuotaExceededException;
import io.courier.Broker;
import io.courier.Envelope;
import io.courier.MessageId;
import io.courier.examples.uba.report.v1.AcceptStatusReportData;
import io.courier.examples.uba.report.v1.PostReportRequest;
import io.courier.examples.uba.report.v1.RealTimeWarehousingData;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The report gateway of the article, without its HTTP transport: it validates a request, publishes the report with
 * {@link Broker#publishAsync} and completes its answer once the broker has stored it, so no thread waits for the
 * broker. {@code {"code":0,"msg":"success"}} (200) only after storage; 400 with the problem for bad input; 503 with the
 * reason when the broker failed, did not confirm within the publish timeout, or when more than {@code maxInFlight}
 * reports are already waiting for it (answered at once, nothing published).
 *
 * <p>Two entry points: {@link #report} for the article's one report per request, and {@link #reports} for a batch (a
 * JSON array or newline-delimited JSON), answered per report. Thread-safe.
 */
public final class ReportGateway {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    private static final Answer SUCCESS = new Answer(200, ReportJson.answer(0, "success"));

    /** An HTTP answer: status and a JSON body. */
    public record Answer(int status, byte[] json) {
    }

    /** The gateway's bounds (see {@link UbaConfig.Http}). */
    public record Limits(int maxBodyBytes, int maxBatchBytes, int maxBatchReports, int maxInFlight, Duration publishTimeout) {
        static Limits of(UbaConfig config) {
            UbaConfig.Http http = config.server().http();
            return new Limits(http.maxBodyBytes(), http.maxBatchBytes(), http.maxBatchReports(), http.maxInFlight(),
                    Duration.ofMillis(config.data().pulsar().publishTimeoutMs()));
        }
    }

    private final Broker broker;
    private final Limits limits;
    private final String codec;
    private final Semaphore inFlight;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder unavailable = new LongAdder();

    public ReportGateway(Broker broker, Limits limits, String codec) {
        this.broker = broker;
        this.limits = limits;
        this.codec = codec;
        this.inFlight = new Semaphore(limits.maxInFlight());
    }

    public Limits limits() {
        return limits;
    }

    /** Reports stored by the broker and answered success. */
    public long accepted() {
        return accepted.sum();
    }

    /** Reports refused as bad input (400), whole requests or items of a batch. */
    public long rejected() {
        return rejected.sum();
    }

    /** Reports answered 503: the broker failed, was late, or the gateway was at its in-flight bound. */
    public long unavailable() {
        return unavailable.sum();
    }

    /** Reports published and not yet confirmed by the broker. */
    public int inFlight() {
        return limits.maxInFlight() - inFlight.availablePermits();
    }

    /** The answer to a body larger than the transport accepted. */
    public Answer tooLarge(boolean batch) {
        rejected.increment();
        int limit = batch ? limits.maxBatchBytes() : limits.maxBodyBytes();
        return answer(413, 413, "request body exceeds " + limit + " bytes");
    }

    /** {@code POST /agent/v1/report}: one report; {@code receivedUs} is when the request arrived (epoch µs). */
    public CompletableFuture<Answer> report(byte[] body, int length, long receivedUs) {
        ReportJson.Parsed parsed;
        try {
            parsed = ReportJson.readOne(body, 0, length);
        } catch (ReportJson.MalformedJsonException e) {
            rejected.increment();
            return CompletableFuture.completedFuture(answer(400, 400, e.getMessage()));
        }
        if (!parsed.valid()) {
            rejected.increment();
            return CompletableFuture.completedFuture(answer(400, 400, String.join("; ", parsed.problems())));
        }
        if (!inFlight.tryAcquire()) {
            unavailable.increment();
            return CompletableFuture.completedFuture(busy(1));
        }
        return publish(parsed.request(), receivedUs).thenApply(failure -> failure == null ? SUCCESS : answer(503, 503, failure));
    }

    /**
     * {@code POST /agent/v1/reports}: up to {@code maxBatchReports} reports, a JSON array or (when {@code ndjson})
     * one JSON object per line. Each report is answered in {@code results}, in request order: {@code code} 0 stored,
     * 400 bad (the others are still stored), 503 not stored. The status is 200 when no good report failed to be
     * stored, 503 when one did (retry those), 400 when the batch itself cannot be read or holds too many reports.
     */
    public CompletableFuture<Answer> reports(byte[] body, int length, boolean ndjson, long receivedUs) {
        List<ReportJson.Parsed> items;
        try {
            items = ndjson ? readLines(body, length) : readArray(body, length);
        } catch (ReportJson.MalformedJsonException e) {
            rejected.increment();
            return CompletableFuture.completedFuture(answer(400, 400, e.getMessage()));
        } catch (TooManyReports e) {
            rejected.increment();
            return CompletableFuture.completedFuture(answer(400, 400, "a batch holds at most " + limits.maxBatchReports()
                    + " reports"));
        }
        if (items.isEmpty()) {
            rejected.increment();
            return CompletableFuture.completedFuture(answer(400, 400, "the batch holds no report"));
        }
        int valid = (int) items.stream().filter(ReportJson.Parsed::valid).count();
        if (valid > 0 && !inFlight.tryAcquire(valid)) {
            unavailable.add(valid);
            return CompletableFuture.completedFuture(busy(valid));
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<String>[] outcomes = new CompletableFuture[items.size()];
        for (int i = 0; i < items.size(); i++) {
            ReportJson.Parsed item = items.get(i);
            if (item.valid()) {
                outcomes[i] = publish(item.request(), receivedUs);
            } else {
                rejected.increment();
                outcomes[i] = CompletableFuture.completedFuture(null);
            }
        }
        return CompletableFuture.allOf(outcomes).thenApply(ignored -> batchAnswer(items, outcomes));
    }

    private static Answer batchAnswer(List<ReportJson.Parsed> items, CompletableFuture<String>[] outcomes) {
        StringBuilder results = new StringBuilder(items.size() * 28);
        int stored = 0;
        int bad = 0;
        int failed = 0;
        for (int i = 0; i < items.size(); i++) {
            results.append(i == 0 ? "" : ",");
            ReportJson.Parsed item = items.get(i);
            if (!item.valid()) {
                bad++;
                ReportJson.appendAnswer(results, 400, String.join("; ", item.problems()));
            } else {
                String failure = outcomes[i].join();
                if (failure == null) {
                    stored++;
                    results.append("{\"code\":0,\"msg\":\"success\"}");
                } else {
                    failed++;
                    ReportJson.appendAnswer(results, 503, failure);
                }
            }
        }
        int code = failed > 0 ? 503 : 0;
        String msg = stored + " stored, " + bad + " rejected, " + failed + " not stored";
        StringBuilder sb = new StringBuilder(results.length() + 100).append("{\"code\":").append(code).append(",\"msg\":\"")
                .append(msg).append('"');   // the message holds only digits and words: nothing to escape
        sb.append(",\"stored\":").append(stored).append(",\"rejected\":").append(bad).append(",\"not_stored\":")
                .append(failed).append(",\"results\":[").append(results).append("]}");
        return new Answer(failed > 0 ? 503 : 200, sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static final class TooManyReports extends Exception {
        TooManyReports() {
            super(null, null, false, false);
        }
    }

    private List<ReportJson.Parsed> readArray(byte[] body, int length) throws ReportJson.MalformedJsonException, TooManyReports {
        try (JsonParser p = ReportJson.parser(body, 0, length)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_ARRAY) {
                throw new ReportJson.MalformedJsonException("a batch must be a JSON array of reports (or newline-delimited "
                        + "JSON with Content-Type application/x-ndjson), got " + ReportJson.describe(first));
            }
            List<ReportJson.Parsed> items = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    throw new ReportJson.MalformedJsonException("malformed JSON: the array is not closed");
                }
                if (items.size() == limits.maxBatchReports()) {
                    throw new TooManyReports();
                }
                if (t == JsonToken.START_OBJECT) {
                    items.add(ReportJson.readObject(p));
                } else {
                    p.skipChildren();
                    items.add(ReportJson.invalid("a report must be a JSON object, got " + ReportJson.describe(t)));
                }
            }
            if (p.nextToken() != null) {
                throw new ReportJson.MalformedJsonException("unexpected content after the batch array");
            }
            return items;
        } catch (IOException e) {
            throw ReportJson.malformed(e);
        }
    }

    /** One report per line; blank lines are skipped; a broken line is that report's problem only. */
    private List<ReportJson.Parsed> readLines(byte[] body, int length) throws TooManyReports {
        List<ReportJson.Parsed> items = new ArrayList<>();
        int start = 0;
        while (start < length) {
            int end = start;
            while (end < length && body[end] != '\n') {
                end++;
            }
            int last = end;
            while (last > start && (body[last - 1] == '\r' || body[last - 1] == ' ' || body[last - 1] == '\t')) {
                last--;
            }
            if (last > start) {
                if (items.size() == limits.maxBatchReports()) {
                    throw new TooManyReports();
                }
                try {
                    items.add(ReportJson.readOne(body, start, last - start));
                } catch (ReportJson.MalformedJsonException e) {
                    items.add(ReportJson.invalid(e.getMessage()));
                }
            }
            start = end + 1;
        }
        return items;
    }

    static List<String> validate(PostReportRequest r) {
        List<String> problems = new ArrayList<>(0);
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

    /**
     * Publishes one report whose in-flight permit is held; completes with null once stored, or with the reason it was
     * not, and releases the permit either way. Never completes exceptionally.
     */
    private CompletableFuture<String> publish(PostReportRequest r, long receivedUs) {
        CompletableFuture<MessageId> sent;
        try {
            sent = broker.publishAsync(envelope(r, receivedUs));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // the broker's own send timeout should fire first; this bounds the answer even if it does not
        return sent.orTimeout(limits.publishTimeout().toMillis(), TimeUnit.MILLISECONDS).handle((id, error) -> {
            inFlight.release();
            if (error == null) {
                accepted.increment();
                return null;
            }
            unavailable.increment();
            return reason(error);
        });
    }

    private String reason(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof BacklogQuotaExceededException) {
            return "busy: " + e.getMessage();
        }
        if (e instanceof TimeoutException) {
            return "report not stored: the broker did not confirm it within " + limits.publishTimeout().toMillis() + " ms";
        }
        if (e instanceof io.courier.CourierException) {
            return "report not stored: " + e.getMessage();
        }
        return "report not stored: " + e;
    }

    private Envelope envelope(PostReportRequest r, long receivedUs) {
        String received = Long.toString(receivedUs);
        if (r.getReportType().equals("event")) {
            RealTimeWarehousingData data = RealTimeWarehousingData.newBuilder().setEventName(r.getEventName())
                    .setReportData(r.getContent()).setCreateTime(receivedUs / 1000).build();
            return Envelope.builder(Topics.EVENT, data).key(r.getAppId()).codec(codec).header(Topics.RECEIVED_AT, received).build();
        }
        AcceptStatusReportData data = AcceptStatusReportData.newBuilder().setDataName(r.getEventName())
                .setReportType(r.getReportType()).setReportData(r.getContent()).setStatus("accepted")
                .setPartEvent(r.getEventName()).setPartDate(DAY.format(Instant.ofEpochMilli(receivedUs / 1000))).build();
        return Envelope.builder(Topics.USER, data).key(r.getAppId()).codec(codec).header(Topics.RECEIVED_AT, received).build();
    }

    private Answer busy(int reports) {
        return answer(503, 503, "busy: " + limits.maxInFlight() + " reports are already waiting for the broker; "
                + (reports == 1 ? "this one was" : "these " + reports + " were") + " not published, retry later");
    }

    private static Answer answer(int status, int code, String msg) {
        return new Answer(status, ReportJson.answer(code, msg));
    }
}
