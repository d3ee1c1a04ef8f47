package io.courier.embedded;

import java.io.File;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The keeper of a broker that is not a JVM (RabbitMQ, NATS): a small JVM, started through {@link ParentWatch}, that
 * runs the broker's command as its child and so ties the broker's life to the JVM that started it. When this JVM ends
 * (its parent gone, SIGKILL included, or a SIGTERM to it), the broker gets SIGTERM (its own orderly stop), this JVM
 * waits until every process of its tree has ended, and kills what is left after 15 s. Only the JDK is used here.
 *
 * <p>Arguments: {@code <output file> <command> [arguments...]}; the broker's standard output and error are appended to
 * the file, and it gets this JVM's environment.
 */
public final class NativeWatch {
    private NativeWatch() {
    }

    public static void main(String[] args) throws Exception {
        File output = new File(args[0]);
        Process broker = new ProcessBuilder(Arrays.copyOfRange(args, 1, args.length)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output)).redirectInput(ProcessBuilder.Redirect.from(
                        new File("/dev/null"))).start();
        // ParentWatch, this JVM's entry point, ends it when the parent is gone: the hook then stops the broker
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(broker), "courier-native-stop"));
        System.exit(broker.waitFor());
    }

    private static void stop(Process broker) {
        // the whole tree, taken before the stop: a start script may end before the processes it started have
        java.util.List<ProcessHandle> tree = new java.util.ArrayList<>(broker.toHandle().descendants().toList());
        tree.add(broker.toHandle());
        broker.toHandle().destroy();
        // before ParentWatch halts this JVM, so that what is left is killed if the orderly stop hangs
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ParentWatch.HALT_AFTER_SECONDS - 5);
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                break;
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
