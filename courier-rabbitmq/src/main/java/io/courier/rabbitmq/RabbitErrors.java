package io.courier.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import io.courier.core.spi.BrokerErrors;
import java.io.IOException;

/** What RabbitMQ's client failures mean to Courier; {@link BrokerErrors} does the mapping, unwrapping and scrubbing. */
final class RabbitErrors {
    private RabbitErrors() {
    }

    static BrokerErrors of(String url, RabbitSettings settings) {
        return new BrokerErrors(url, settings.values().secrets(), RabbitErrors::kind);
    }

    private static BrokerErrors.Kind kind(Throwable t) {
        if (t instanceof AuthenticationFailureException || t instanceof PossibleAuthenticationFailureException) {
            return BrokerErrors.Kind.REFUSED;
        }
        if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException) {
            return BrokerErrors.Kind.TIMEOUT;
        }
        int code = replyCode(t);
        if (code == AMQP.ACCESS_REFUSED) {
            return BrokerErrors.Kind.REFUSED;
        }
        if (code == AMQP.PRECONDITION_FAILED && String.valueOf(t.getMessage()).contains("larger than configured max")) {
            return BrokerErrors.Kind.TOO_LARGE;
        }
        return BrokerErrors.Kind.OTHER;
    }

    /** The AMQP reply code of a channel or connection closed by the broker, or 0. */
    static int replyCode(Throwable t) {
        Throwable s = t instanceof IOException && t.getCause() instanceof ShutdownSignalException ? t.getCause() : t;
        if (s instanceof ShutdownSignalException shutdown && shutdown.getReason() instanceof AMQP.Channel.Close close) {
            return close.getReplyCode();
        }
        if (s instanceof ShutdownSignalException shutdown && shutdown.getReason() instanceof AMQP.Connection.Close close) {
            return close.getReplyCode();
        }
        return 0;
    }

    /** The broker's reply text of a channel or connection closed by it, else the failure's message. */
    static String replyText(Throwable t) {
        Throwable s = t instanceof IOException && t.getCause() instanceof ShutdownSignalException ? t.getCause() : t;
        if (s instanceof ShutdownSignalException shutdown && shutdown.getReason() instanceof AMQP.Channel.Close close) {
            return close.getReplyText();
        }
        return String.valueOf(t.getMessage());
    }
}
