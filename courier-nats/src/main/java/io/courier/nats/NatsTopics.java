package io.courier.nats;

import io.courier.ConfigurationException;
import io.courier.PublishException;
import io.courier.core.spi.BrokerErrors;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topics as streams: each topic's stream is made on first use (a publish, a subscribe, an admin call) with the
 * settings' limits, and remembered, so that a publish asks the server only once per topic. A stream keeps its
 * messages by those limits, read or not, which is what lets a new subscription read history and a cursor move back.
 * Thread-safe.
 */
final class NatsTopics {
    /** JetStream's error codes of "stream not found" and "consumer not found". */
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int CONSUMER_NOT_FOUND = 10014;

    private final JetStreamManagement jsm;
    private final NatsSettings settings;
    private final BrokerErrors errors;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    NatsTopics(JetStreamManagement jsm, NatsSettings settings, BrokerErrors errors) {
        this.jsm = jsm;
        this.settings = settings;
        this.errors = errors;
    }

    JetStreamManagement management() {
        return jsm;
    }

    /** Makes {@code topic}'s stream unless it exists; refuses a stream of that name that holds another subject. */
    void ensure(String topic) {
        if (known.contains(topic)) {
            return;
        }
        String stream = NatsTopicNaming.stream(topic);
        try {
            Optional<StreamInfo> info = stream(stream);
            if (info.isEmpty()) {
                try {
                    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(topic)
                            .retentionPolicy(RetentionPolicy.Limits).discardPolicy(DiscardPolicy.Old)
                            .storageType(settings.get(NatsSettings.STORAGE) == NatsSettings.Storage.FILE
                                    ? StorageType.File : StorageType.Memory)
                            .replicas(settings.get(NatsSettings.REPLICAS).intValue())
                            .maxAge(settings.get(NatsSettings.MAX_AGE))
                            .maxBytes(settings.get(NatsSettings.MAX_BYTES)).build());
                } catch (JetStreamApiException e) {
                    // made by another publisher meanwhile, or refused: what is there decides
                    info = stream(stream);
                    if (info.isEmpty()) {
                        throw e;
                    }
                }
            }
            if (info.isPresent() && !info.get().getConfiguration().getSubjects().contains(topic)) {
                throw new ConfigurationException("topic '" + topic + "' cannot have its stream '" + stream + "': a "
                        + "stream of that name holds " + info.get().getConfiguration().getSubjects() + " (on NATS, "
                        + "'.' in a topic becomes '_' in its stream's name): rename one of the topics");
            }
            known.add(topic);
        } catch (IOException | JetStreamApiException e) {
            throw new PublishException("cannot make the stream of topic '" + topic + "': " + errors.reason(e), e);
        }
    }

    /** The stream's state, or empty when it does not exist. */
    Optional<StreamInfo> stream(String stream) throws IOException, JetStreamApiException {
        try {
            return Optional.of(jsm.getStreamInfo(stream));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The durable consumer's state, or empty when it (or its stream) does not exist. */
    Optional<ConsumerInfo> consumer(String stream, String durable) throws IOException, JetStreamApiException {
        try {
            return Optional.of(jsm.getConsumerInfo(stream, durable));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND || e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every stream that is a Courier topic's: one subject, the stream named after it. */
    List<StreamInfo> topicStreams() throws IOException, JetStreamApiException {
        return jsm.getStreams().stream().filter(s -> s.getConfiguration().getSubjects().size() == 1
                && NatsTopicNaming.stream(s.getConfiguration().getSubjects().get(0)).equals(s.getConfiguration().getName())
                && NatsTopicNaming.INSTANCE.problem(s.getConfiguration().getSubjects().get(0)) == null).toList();
    }

    /** Forgets {@code topic}'s stream (deleted by an admin): the next use makes it again. */
    void forget(String topic) {
        known.remove(topic);
    }
}
