package io.courier.pulsar;

import io.courier.ConfigurationException;
import io.courier.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
     * Drops one reference; the last one closes the client, waiting at most {@code timeout} for it to finish what it
     * has in flight. What is left then is shut down on a background daemon thread: with the broker down, a lookup or
     * a publisher being created retries until the operation timeout (30 s by default) and keeps the client's event
     * loop busy, so even its forced shutdown takes about 15 s, far beyond a close timeout. Closed outside the lock,
     * so a slow close holds up no other broker opening or closing.
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
        try {
            last.closeAsync().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // shut down below
        }
        Thread shutdown = new Thread(() -> {
            try {
                last.shutdown();
            } catch (PulsarClientException ignored) {
                // closing: nothing left to do with it
            }
        }, "courier-pulsar-client-shutdown");
        shutdown.setDaemon(true);
        shutdown.start();
    }

    private static PulsarClient create(String serviceUrl, PulsarOptions o) {
        try {
            // native settings first: Courier's own, set after, win where both speak
            ClientBuilder raw = PulsarClient.builder();
            ClientBuilder b = PulsarNative.load(raw, raw::loadConf, o, PulsarOptions.CLIENT).serviceUrl(serviceUrl)
                    .operationTimeout((int) o.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .connectionTimeout((int) o.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .enableTcpNoDelay(true)
                    // reconnect (and retry a producer the broker refused for the backlog quota) at least every
                    // second, not after up to a minute: a topic refused for its quota takes publishes again within
                    // about a second of its consumers catching up, and a restarted broker is found as soon
                    .maxBackoffInterval(1, TimeUnit.SECONDS);
            if (o.authToken() != null) {
                b.authentication(AuthenticationFactory.token(o.authToken()));
            } else if (o.oauth2IssuerUrl() != null) {
                b.authentication(AuthenticationFactoryOAuth2.clientCredentials(new java.net.URL(o.oauth2IssuerUrl()),
                        new java.net.URL(o.oauth2CredentialsUrl()), o.oauth2Audience()));
            }
            if (o.tlsTrustCertsFilePath() != null) {
                b.tlsTrustCertsFilePath(o.tlsTrustCertsFilePath());
            }
            b.allowTlsInsecureConnection(o.tlsAllowInsecureConnection());
            b.enableTlsHostnameVerification(o.tlsHostnameVerification());
            return b.build();
        } catch (java.net.MalformedURLException e) {
            throw new ConfigurationException("OAuth2 URLs must be valid URLs: " + e.getMessage());
        } catch (PulsarClientException e) {
            throw new ConnectException("cannot create a Pulsar client for " + serviceUrl + ": "
                    + PulsarErrors.clean(e.getMessage(), o.authToken()));
        }
    }
}
