package io.courier.nats;

import io.courier.CourierException;
import io.courier.StoredMessage;
import io.courier.SubscriptionInfo;
import io.courier.SubscriptionType;
import io.courier.TopicInfo;
import io.courier.UnsupportedFeatureException;
import io.courier.core.spi.AdminFacets;
import io.courier.core.spi.BrokerErrors;
import io.nats.client.Connection;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Topics, cursors and peek of NATS: streams as topics, durable consumers as subscriptions (backlog = messages not yet
 * delivered plus those delivered and not acknowledged), their members from {@link NatsMembers}. Skipping takes the
 * oldest messages and acknowledges them; skipping all and resetting a cursor make the durable again at a new start
 * (the subscription's other settings kept), which NATS allows while no member pulls. Thread-safe.
 */
final class NatsAdmin implements AdminFacets.Topics, AdminFacets.Cursors, AdminFacets.Peek {
    /** An admin call that may fail as the client does. */
    private interface Call<T> {
        T run() throws IOException, JetStreamApiException, JetStreamStatusCheckedException, InterruptedException,
                java.util.concurrent.TimeoutException;
    }

    private final Connection connection;
    private final NatsTopics topics;
    private final NatsMembers members;
    private final BrokerErrors errors;

    NatsAdmin(Connection connection, NatsTopics topics, NatsMembers members, BrokerErrors errors) {
        this.connection = connection;
        this.topics = topics;
        this.members = members;
        this.errors = errors;
    }

    private <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (IOException | JetStreamApiException | JetStreamStatusCheckedException
                 | java.util.concurrent.TimeoutException e) {
            throw new CourierException("cannot " + what + ": " + errors.reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CourierException("interrupted while trying to " + what);
        }
    }

    @Override
    public void ensureTopic(String topic, int partitions) {
        if (partitions > 1) {
            throw new UnsupportedFeatureException("nats", "PARTITIONS", "ensure topic '" + topic + "' with "
                    + partitions + " partitions", "a NATS topic is one stream; the members of a SHARED subscription "
                    + "share its load");
        }
        topics.ensure(topic);
    }

    @Override
    public List<TopicInfo> topics() {
        return call("list topics", () -> {
            List<TopicInfo> list = new ArrayList<>();
            for (StreamInfo s : topics.topicStreams()) {
                list.add(new TopicInfo(s.getConfiguration().getSubjects().get(0), 0,
                        OptionalLong.of(s.getStreamState().getLastSequence()), OptionalDouble.empty(),
                        OptionalDouble.empty(), OptionalLong.of(s.getStreamState().getByteCount())));
            }
            list.sort(Comparator.comparing(TopicInfo::name));
            return list;
        });
    }

    @Override
    public List<SubscriptionInfo> subscriptions(String topic) {
        String stream = NatsTopicNaming.stream(topic);
        return call("list the subscriptions of '" + topic + "'", () -> {
            if (topics.stream(stream).isEmpty()) {
                return List.of();
            }
            List<SubscriptionInfo> list = new ArrayList<>();
            for (ConsumerInfo c : topics.management().getConsumers(stream)) {
                if (c.getConsumerConfiguration().getDurable() == null) {
                    continue;   // an ephemeral consumer is no subscription
                }
                List<Optional<SubscriptionType>> connected = members.members(stream, c.getName());
                Optional<SubscriptionType> type = connected.stream().flatMap(Optional::stream).findFirst();
                list.add(new SubscriptionInfo(c.getName(), type, connected.size(),
                        c.getNumPending() + c.getNumAckPending(), OptionalLong.of(c.getNumAckPending()),
                        OptionalDouble.empty()));
            }
            list.sort(Comparator.comparing(SubscriptionInfo::name));
            return list;
        });
    }

    @Override
    public long backlog(String topic, String subscription) {
        return call("read the backlog of '" + subscription + "'", () -> topics.consumer(NatsTopicNaming.stream(topic),
                subscription).map(c -> c.getNumPending() + c.getNumAckPending()).orElse(0L));
    }

    @Override
    public void skip(String topic, String subscription, long messages) {
        String stream = NatsTopicNaming.stream(topic);
        call("skip messages of '" + subscription + "'", () -> {
            if (topics.consumer(stream, subscription).isEmpty()) {
                return null;
            }
            var durable = connection.getStreamContext(stream).getConsumerContext(subscription);
            long left = messages;
            while (left > 0) {
                int batch = (int) Math.min(left, 1_000);
                int got = 0;
                FetchConsumer fetch = durable.fetchMessages(batch);
                try {
                    for (Message m; (m = fetch.nextMessage()) != null; got++) {
                        m.ackSync(Duration.ofSeconds(5));   // settled before the call returns
                    }
                } finally {
                    fetch.stop();
                }
                if (got == 0) {
                    break;   // fewer pending than asked to skip
                }
                left -= got;
            }
            return null;
        });
    }

    @Override
    public void skipAll(String topic, String subscription) {
        String stream = NatsTopicNaming.stream(topic);
        call("skip the backlog of '" + subscription + "'", () -> {
            long last = topics.stream(stream).map(s -> s.getStreamState().getLastSequence()).orElse(0L);
            remake(stream, subscription, b -> b.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(last + 1));
            return null;
        });
    }

    @Override
    public void resetCursor(String topic, String subscription, Instant time) {
        String stream = NatsTopicNaming.stream(topic);
        call("reset the cursor of '" + subscription + "'", () -> {
            remake(stream, subscription, b -> b.deliverPolicy(DeliverPolicy.ByStartTime)
                    .startTime(time.atZone(ZoneOffset.UTC)));
            return null;
        });
    }

    /** Deletes the durable and makes it again with its settings and a new start. */
    private void remake(String stream, String durable,
                        java.util.function.UnaryOperator<ConsumerConfiguration.Builder> start)
            throws IOException, JetStreamApiException {
        ConsumerInfo info = topics.consumer(stream, durable).orElse(null);
        if (info == null) {
            return;
        }
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder(info.getConsumerConfiguration())
                .startSequence(0).startTime(null);
        ConsumerConfiguration again = start.apply(b).build();
        topics.management().deleteConsumer(stream, durable);
        topics.management().addOrUpdateConsumer(stream, again);
    }

    @Override
    public List<StoredMessage> peek(String topic, int max) {
        String stream = NatsTopicNaming.stream(topic);
        return call("peek at '" + topic + "'", () -> {
            StreamInfo info = topics.stream(stream).orElse(null);
            if (info == null || info.getStreamState().getMsgCount() == 0) {
                return List.of();
            }
            long first = info.getStreamState().getFirstSequence();
            long last = info.getStreamState().getLastSequence();
            List<StoredMessage> newestFirst = new ArrayList<>();
            for (long seq = last; seq >= first && newestFirst.size() < max; seq--) {
                MessageInfo m;
                try {
                    m = topics.management().getMessage(stream, seq);
                } catch (JetStreamApiException e) {
                    continue;   // removed (deleted or past a limit)
                }
                var h = m.getHeaders();
                String key = h == null ? null : h.getFirst(NatsBroker.KEY);
                String eventTime = h == null ? null : h.getFirst(NatsBroker.EVENT_TIME);
                newestFirst.add(new StoredMessage(topic, NatsBroker.id(topic, seq).value(), Optional.ofNullable(key),
                        NatsConsumer.headers(h), m.getData() == null ? new byte[0] : m.getData(),
                        m.getTime().toInstant(), Optional.ofNullable(eventTime).map(t -> Instant.ofEpochMilli(Long.parseLong(t)))));
            }
            List<StoredMessage> oldestFirst = new ArrayList<>(newestFirst);
            java.util.Collections.reverse(oldestFirst);
            return oldestFirst;
        });
    }
}
