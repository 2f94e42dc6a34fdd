package dev.taskctx.micrometer;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import io.micrometer.context.ThreadLocalAccessor;

/**
 * The whole {@link TaskContext} as one Micrometer context-propagation {@code ThreadLocalAccessor}: key
 * {@value #KEY}, the current {@link Snapshot} as the value. Micrometer's {@code ServiceLoader} discovery
 * registers it with {@code ContextRegistry.getInstance()} when this jar is on the class path, so that
 * {@code ContextSnapshot}s, Reactor's automatic context propagation and Spring's
 * {@code ContextPropagatingTaskDecorator} carry the task context with no taskctx-specific code.
 *
 * <p>Capturing is one reference read; installing and restoring swap the snapshot's entries in
 * ({@link Snapshot#install()}), so values of thread-locals registered with {@link TaskContext#register}
 * are left to their own Micrometer accessors and nothing is installed twice. An empty context is no value:
 * Micrometer then clears the context where it clears missing values. Stateless and thread-safe; every
 * method acts on the calling thread's context.
 */
public final class TaskContextAccessor implements ThreadLocalAccessor<Snapshot> {

    /** The key of this accessor in Micrometer's registry and in a Reactor {@code Context}. */
    public static final String KEY = "dev.taskctx.TaskContext";

    /** Called by Micrometer's {@code ServiceLoader}; applications need not create one. */
    public TaskContextAccessor() {
    }

    @Override
    public Object key() {
        return KEY;
    }

    /** The current context, or {@code null} when it is empty. */
    @Override
    public Snapshot getValue() {
        Snapshot current = TaskContext.capture();
        return current.isEmpty() ? null : current;
    }

    @Override
    public void setValue(Snapshot value) {
        value.install();
    }

    @Override
    public void setValue() {
        Snapshot.empty().install();
    }

    @Override
    public void restore(Snapshot previousValue) {
        previousValue.install();
    }

    @Override
    public void restore() {
        Snapshot.empty().install();
    }
}
