package io.courier.core;

import io.courier.LifecycleException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link App}'s hooks at its four lifecycle points. A before- or after-start hook that fails fails the start; a
 * stop hook that fails is logged and the stop goes on. Thread-safe (immutable once built).
 */
final class AppHooks {
    private static final System.Logger LOG = System.getLogger(App.class.getName());

    private final List<App.Hook> beforeStart;
    private final List<App.Hook> afterStart;
    private final List<App.Hook> beforeStop;
    private final List<App.Hook> afterStop;

    private AppHooks(Builder b) {
        this.beforeStart = List.copyOf(b.beforeStart);
        this.afterStart = List.copyOf(b.afterStart);
        this.beforeStop = List.copyOf(b.beforeStop);
        this.afterStop = List.copyOf(b.afterStop);
    }

    void beforeStart(App app) {
        run(app, "before start", beforeStart, true);
    }

    void afterStart(App app) {
        run(app, "after start", afterStart, true);
    }

    void beforeStop(App app) {
        run(app, "before stop", beforeStop, false);
    }

    void afterStop(App app) {
        run(app, "after stop", afterStop, false);
    }

    private static void run(App app, String point, List<App.Hook> hooks, boolean failFast) {
        for (App.Hook hook : hooks) {
            try {
                hook.run(app);
            } catch (Exception e) {
                if (failFast) {
                    throw new LifecycleException("app '" + app.name() + "': " + point + " hook failed: " + e.getMessage(), e);
                }
                LOG.log(Level.ERROR, "app '" + app.name() + "': " + point + " hook failed", e);
            }
        }
    }

    /** Collects the hooks; not thread-safe. */
    static final class Builder {
        final List<App.Hook> beforeStart = new ArrayList<>();
        final List<App.Hook> afterStart = new ArrayList<>();
        final List<App.Hook> beforeStop = new ArrayList<>();
        final List<App.Hook> afterStop = new ArrayList<>();

        AppHooks build() {
            return new AppHooks(this);
        }
    }
}
