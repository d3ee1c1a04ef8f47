package io.courier.pulsar;

import io.courier.ConfigurationException;
import io.courier.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pulsar.client.api.AuthenticationFactory;
import org.apache.pulsar.client.api.ClientBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.impl.auth.oauth2.AuthenticationFactoryOAuth2;

/**
 * One {@link PulsarClient} per service URL and connection settings, shared by every broker opened with them and
 * closed when the last one closes (a client holds connections and thread pools; services should not make many).
 */
final class SharedClients {
    private static final Map<String, Entry> CLIENTS = new HashMap<>();
    /** The least time an orderly client close gets before it is forced: its event loops' quiet period and some. */
    private static final Duration WIND_DOWN = Duration.ofSeconds(5);

    private static final class Entry {
        final PulsarClient client;
        int references;

        Entry(PulsarClient client) {
            this.client = client;
        }
    }

    private SharedClients() {
    }

    static synchronized PulsarClient acquire(String serviceUrl, PulsarOptions options) {
        String key = options.clientKey(serviceUrl);
        Entry e = CLIENTS.get(key);
        if (e == null) {
            e = new Entry(create(serviceUrl, options));
            CLIENTS.put(key, e);
        }
        e.references++;
        return e.client;
    }

    /**
     * Drops one reference; the last one closes the client on a background daemon thread, so that no broker's close
     * waits for it. By then the broker has closed its consumers (which flushes their acknowledgements) and flushed and
     * closed its producers, within its close timeout; what the client still does is wind down its threads, which takes
     * at least Netty's two-second quiet period (which no {@code Broker.close()} should wait for), and, with the broker
     * down, a lookup or a publisher being created retries until the operation timeout (30 s by default). That thread
     * gives the orderly close {@code timeout}, then shuts the client down. Closed outside the lock, so a close holds up
     * no other broker opening or closing.
     */
    static void release(String serviceUrl, PulsarOptions options, Duration timeout) {
        PulsarClient last;
        synchronized (SharedClients.class) {
            String key = options.clientKey(serviceUrl);
            Entry e = CLIENTS.get(key);
            if (e == null || --e.references > 0) {
                return;
            }
            CLIENTS.remove(key);
            last = e.client;
        }
        CompletableFuture<Void> closing = last.closeAsync();
        Thread windDown = new Thread(() -> {
            try {
                closing.get(Math.max(timeout.toNanos(), WIND_DOWN.toNanos()), TimeUnit.NANOSECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // shut down below
            }
            try {
                last.shutdown();
            } catch (PulsarClientException ignored) {
                // closing: nothing left to do with it
            }
        }, "courier-pulsar-client-close");
        windDown.setDaemon(true);
        windDown.start();
    }

    private static PulsarClient create(String serviceUrl, PulsarOptions o) {
        try {
            // native settings first: Courier's own, set after, win where both speak
            ClientBuilder raw = PulsarClient.builder();
            ClientBuilder b = PulsarNative.load(raw, raw::loadConf, o, PulsarOptions.CLIENT).serviceUrl(serviceUrl)
                    .operationTimeout((int) o.get(PulsarOptions.OPERATION_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
                    .connectionTimeout((int) o.get(PulsarOptions.CONNECTION_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
                    .enableTcpNoDelay(true)
                    // reconnect (and retry a producer the broker refused for the backlog quota) at least every
                    // second, not after up to a minute: a topic refused for its quota takes publishes again within
                    // about a second of its consumers catching up, and a restarted broker is found as soon
                    .maxBackoffInterval(1, TimeUnit.SECONDS);
            if (o.get(PulsarOptions.AUTH_TOKEN) != null) {
                b.authentication(AuthenticationFactory.token(o.get(PulsarOptions.AUTH_TOKEN)));
            } else if (o.get(PulsarOptions.OAUTH2_ISSUER_URL) != null) {
                b.authentication(AuthenticationFactoryOAuth2.clientCredentials(new java.net.URL(o.get(PulsarOptions.OAUTH2_ISSUER_URL)),
                        new java.net.URL(o.get(PulsarOptions.OAUTH2_CREDENTIALS_URL)), o.get(PulsarOptions.OAUTH2_AUDIENCE)));
            }
            if (o.get(PulsarOptions.TLS_TRUST_CERTS) != null) {
                b.tlsTrustCertsFilePath(o.get(PulsarOptions.TLS_TRUST_CERTS));
            }
            b.allowTlsInsecureConnection(o.get(PulsarOptions.TLS_ALLOW_INSECURE));
            b.enableTlsHostnameVerification(o.get(PulsarOptions.TLS_HOSTNAME_VERIFICATION));
            return b.build();
        } catch (java.net.MalformedURLException e) {
            throw new ConfigurationException("OAuth2 URLs must be valid URLs: " + e.getMessage());
        } catch (PulsarClientException e) {
            throw new ConnectException("cannot create a Pulsar client for " + serviceUrl + ": "
                    + PulsarErrors.of(serviceUrl, o).reason(e));
        }
    }
}
