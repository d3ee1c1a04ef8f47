package io.courier.memory;

import io.courier.MessageId;
import io.courier.NoResponderException;
import io.courier.core.spi.OutboundMessage;
import io.courier.core.spi.RawMessage;
import io.courier.core.spi.RawReply;
import io.courier.core.spi.RequestSink;
import io.courier.core.spi.TenantNamespaceNaming;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The responders of one memory cluster, by topic and group, as NATS keeps them: each group of a topic gets every
 * request, one of its members (in turn) answers it, and the first reply is the one the requester gets. Nothing is
 * stored. Thread-safe.
 */
final class MemoryResponders {
    private final Map<String, Map<String, List<RequestSink>>> byTopic = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();

    Runnable listen(String topic, String group, RequestSink sink) {
        List<RequestSink> members = byTopic.computeIfAbsent(qualified(topic), t -> new ConcurrentHashMap<>())
                .computeIfAbsent(group, g -> new CopyOnWriteArrayList<>());
        members.add(sink);
        return () -> members.remove(sink);
    }

    CompletableFuture<RawReply> exchange(OutboundMessage request, String url) {
        long n = requests.incrementAndGet();
        RawMessage message = new RawMessage(request.topic(), MessageId.of("request-" + n), request.key(),
                request.headers(), request.payload(), Instant.now(), request.eventTime(), 0, null);
        CompletableFuture<RawReply> reply = new CompletableFuture<>();
        boolean sent = false;
        for (List<RequestSink> members : byTopic.getOrDefault(qualified(request.topic()), Map.of()).values()) {
            Object[] now = members.toArray();
            if (now.length > 0) {
                ((RequestSink) now[(int) (n % now.length)]).request(message, reply::complete);
                sent = true;
            }
        }
        if (!sent) {
            reply.completeExceptionally(new NoResponderException("nobody answers requests on '" + request.topic()
                    + "' on " + url + ": no responder is listening"));
        }
        return reply;
    }

    private static String qualified(String topic) {
        return TenantNamespaceNaming.instance().qualified(topic);
    }
}
