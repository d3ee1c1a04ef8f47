package io.courier.pulsar;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the request dump of the Pulsar admin client's shaded HTTP client out of the logs. At DEBUG its
 * {@code HttpHandler} logs every request with its headers, the {@code Authorization} header (the token) included, and
 * a service's first step when a connection misbehaves is often to turn every logger to DEBUG. So once a broker with
 * credentials makes an admin client, that one logger is held at INFO in whichever SLF4J binding the service uses
 * (slf4j-simple, Logback, Log4j 2, java.util.logging), and a line says so. A binding Courier cannot adjust gets a
 * warning naming the logger to set. Thread-safe; acts once per JVM.
 */
final class RequestDumpGuard {
    static final String DUMPING_LOGGER = "org.apache.pulsar.shade.org.asynchttpclient.netty.handler.HttpHandler";
    private static final System.Logger LOG = System.getLogger(RequestDumpGuard.class.getName());
    private static final AtomicBoolean APPLIED = new AtomicBoolean();
    /** java.util.logging keeps loggers weakly: a level set on one nobody holds would be lost. */
    private static volatile java.util.logging.Logger julHeld;

    private RequestDumpGuard() {
    }

    /** Holds the dumping logger at INFO (once per JVM). */
    static void apply() {
        if (!APPLIED.compareAndSet(false, true)) {
            return;
        }
        // slf4j-simple reads a logger's level when the logger is made: before the HTTP client makes it
        System.setProperty("org.slf4j.simpleLogger.log." + DUMPING_LOGGER, "info");
        Logger dumping = LoggerFactory.getLogger(DUMPING_LOGGER);
        if (!dumping.isDebugEnabled()) {
            return;
        }
        Object factory = LoggerFactory.getILoggerFactory();
        String binding = factory.getClass().getName();
        try {
            switch (binding) {
                case "ch.qos.logback.classic.LoggerContext" -> {
                    Object logger = factory.getClass().getMethod("getLogger", String.class).invoke(factory, DUMPING_LOGGER);
                    Class<?> level = Class.forName("ch.qos.logback.classic.Level", true, factory.getClass().getClassLoader());
                    logger.getClass().getMethod("setLevel", level).invoke(logger, level.getField("INFO").get(null));
                }
                case "org.apache.logging.slf4j.Log4jLoggerFactory" -> {
                    ClassLoader loader = factory.getClass().getClassLoader();
                    Class<?> level = Class.forName("org.apache.logging.log4j.Level", true, loader);
                    Class.forName("org.apache.logging.log4j.core.config.Configurator", true, loader)
                            .getMethod("setLevel", String.class, level).invoke(null, DUMPING_LOGGER, level.getField("INFO").get(null));
                }
                case "org.slf4j.jul.JDK14LoggerFactory" -> {
                    julHeld = java.util.logging.Logger.getLogger(DUMPING_LOGGER);
                    julHeld.setLevel(java.util.logging.Level.INFO);
                }
                case "org.slf4j.simple.SimpleLoggerFactory" -> {
                    // made before the property was set: its level is a field
                    java.lang.reflect.Field level = dumping.getClass().getDeclaredField("currentLogLevel");
                    level.setAccessible(true);
                    level.setInt(dumping, 20);   // SimpleLogger's INFO
                }
                default -> {
                    // not one Courier knows: warned below
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.DEBUG, "cannot adjust logger " + DUMPING_LOGGER + " through " + binding, e);
        }
        if (dumping.isDebugEnabled()) {
            LOG.log(Level.WARNING, "logger {0} is at DEBUG, where it logs the Authorization header of every Pulsar admin "
                    + "request, and Courier cannot raise it through {1}: set it to INFO", DUMPING_LOGGER, binding);
        } else {
            LOG.log(Level.INFO, "Courier holds logger {0} at INFO: at DEBUG it logs the Authorization header of every "
                    + "Pulsar admin request", DUMPING_LOGGER);
        }
    }
}
