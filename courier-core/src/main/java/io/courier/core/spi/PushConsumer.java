package io.courier.core.spi;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link RawConsumer} for client libraries that push messages to a callback (RabbitMQ's and NATS's consumers): the
 * callback calls {@link #push}, the dispatcher receives from an internal queue. The callback never blocks: when the
 * queue holds {@code capacity} messages the library is asked to pause ({@link FlowControl#pause()}), and to resume
 * once it is down to half. Messages pushed after {@link #close()}, or still queued then, are handed back to the
 * broker. Thread-safe.
 */
public final class PushConsumer implements RawConsumer {

    /** How the backend settles a message with its library. */
    public interface Settler {
        void ack(RawMessage message);

        void nack(RawMessage message);
    }

    /** How the backend stops and restarts its library's deliveries; {@link #NONE} when the library bounds itself. */
    public interface FlowControl {
        FlowControl NONE = new FlowControl() {
            @Override
            public void pause() {
            }

            @Override
            public void resume() {
            }
        };

        void pause();

        void resume();
    }

    private final LinkedBlockingQueue<RawMessage> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final Settler settler;
    private final FlowControl flow;
    private final Runnable closeLibraryConsumer;
    private boolean paused;
    private volatile boolean closed;

    /**
     * @param capacity             messages queued before the library is paused (use the subscription's maxInFlight)
     * @param settler              acknowledges and hands back with the library
     * @param flow                 pauses and resumes the library's deliveries
     * @param closeLibraryConsumer stops the library's consumer (called once, by {@link #close()})
     */
    public PushConsumer(int capacity, Settler settler, FlowControl flow, Runnable closeLibraryConsumer) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.settler = settler;
        this.flow = flow;
        this.closeLibraryConsumer = closeLibraryConsumer;
    }

    /** Called by the library's callback for each message; never blocks. */
    public void push(RawMessage message) {
        if (closed) {
            settler.nack(message);
            return;
        }
        queue.add(message);
        if (size.incrementAndGet() >= capacity) {
            synchronized (this) {
                if (!paused && size.get() >= capacity && !closed) {
                    paused = true;
                    flow.pause();
                }
            }
        }
    }

    @Override
    public RawMessage receive(long timeout, TimeUnit unit) throws InterruptedException {
        RawMessage m = queue.poll(timeout, unit);
        if (m != null && size.decrementAndGet() <= capacity / 2) {
            synchronized (this) {
                if (paused && !closed) {
                    paused = false;
                    flow.resume();
                }
            }
        }
        return m;
    }

    /** Messages pushed and not yet received. */
    public int queued() {
        return size.get();
    }

    @Override
    public void ack(RawMessage message) {
        settler.ack(message);
    }

    @Override
    public void nack(RawMessage message) {
        settler.nack(message);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeLibraryConsumer.run();
        for (RawMessage m; (m = queue.poll()) != null; ) {
            size.decrementAndGet();
            settler.nack(m);
        }
    }
}
