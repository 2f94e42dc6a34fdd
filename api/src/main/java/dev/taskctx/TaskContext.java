package dev.taskctx;

import dev.taskctx.internal.Propagation;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * A task-scoped context: string keys mapped to non-null values that follow work wherever it is
 * handed off.
 *
 * <p>Each thread has a current context, an immutable {@link Snapshot}. {@link #set} and
 * {@link #remove} replace the calling thread's snapshot with a new one; they never change a snapshot
 * that another thread or task holds. With the taskctx agent ({@code -javaagent:taskctx.jar}), a task
 * handed to an executor, a fork/join pool, a {@code CompletableFuture} stage, a new thread or a timer
 * starts with the snapshot its submitter had at the moment of submission, and what the task sets is
 * visible only inside it. Without the agent the context is thread-local, and {@link #capture()},
 * {@link Snapshot#wrap} and {@link #wrap(Executor)} propagate it explicitly.
 *
 * <p>All methods are thread-safe and act on the calling thread's context only. A {@code null} key
 * is rejected with a {@code NullPointerException}.
 */
public final class TaskContext {

    private TaskContext() {
    }

    /**
     * The value stored under {@code key} in the current context, or {@code null} if there is none.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static Object get(String key) {
        return Propagation.current().get(requireKey(key));
    }

    /**
     * The value stored under {@code key} in the current context, or {@code defaultValue} if there is
     * none. The value is cast to the type of {@code defaultValue} at the call site.
     *
     * @throws NullPointerException if {@code key} is null
     */
    @SuppressWarnings("unchecked")
    public static <T> T get(String key, T defaultValue) {
        Object value = Propagation.current().get(requireKey(key));
        return value == null ? defaultValue : (T) value;
    }

    /**
     * Stores {@code value} under {@code key} in the current context; a {@code null} value removes the
     * key. Tasks already handed off keep the context they were given.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static void set(String key, Object value) {
        requireKey(key);
        Propagation.replace(Propagation.current().with(key, value));
    }

    /**
     * Removes {@code key} from the current context; does nothing if it is absent.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static void remove(String key) {
        requireKey(key);
        Propagation.replace(Propagation.current().without(key));
    }

    /** Empties the current context. Tasks already handed off keep the context they were given. */
    public static void clear() {
        Propagation.replace(Snapshot.empty());
    }

    /** An unmodifiable view of the current context; later changes made by {@link #set} do not show in it. */
    public static Map<String, Object> asMap() {
        return Propagation.current().asMap();
    }

    /**
     * The current context as an immutable snapshot, to run work inside it later or elsewhere.
     * Capturing is one reference read whatever the number of keys; with thread-locals registered
     * ({@link #register}) it also reads their values, which the snapshot then carries.
     */
    public static Snapshot capture() {
        return Propagation.capture();
    }

    /**
     * An executor that runs each task inside the context its caller had when calling
     * {@link Executor#execute}; for use without the agent. The returned executor is as thread-safe as
     * {@code executor}.
     *
     * @throws NullPointerException if {@code executor} is null
     */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor must not be null");
        return task -> executor.execute(capture().wrap(task));
    }

    /**
     * An executor service that runs each submitted task ({@code execute}, {@code submit},
     * {@code invokeAll}, {@code invokeAny}) inside the context its caller had when submitting it; for
     * use without the agent. Lifecycle methods act on {@code executor} itself.
     *
     * @throws NullPointerException if {@code executor} is null
     */
    public static ExecutorService wrap(ExecutorService executor) {
        return new SnapshotExecutorService(Objects.requireNonNull(executor, "executor must not be null"));
    }

    /**
     * Carries an existing thread-local with the task context from now on: wherever the context is
     * captured (every hand-off, {@link #capture()}), {@code accessor}'s value is read too; wherever it is
     * installed, the value is written for the task's duration and the thread's previous value put back
     * afterwards. A task's changes to the value stay in the task. Registering an accessor again has no
     * further effect. Each registered accessor adds its read to every hand-off; none is registered by
     * default (the agent option {@code mdc} registers SLF4J's MDC).
     *
     * @throws NullPointerException if {@code accessor} is null
     */
    public static void register(ThreadLocalAccessor<?> accessor) {
        Propagation.register(Objects.requireNonNull(accessor, "accessor must not be null"));
    }

    /**
     * Stops carrying {@code accessor}'s thread-local; does nothing if it was not registered. Tasks
     * already handed off still get the value captured for them.
     *
     * @throws NullPointerException if {@code accessor} is null
     */
    public static void unregister(ThreadLocalAccessor<?> accessor) {
        Propagation.unregister(Objects.requireNonNull(accessor, "accessor must not be null"));
    }

    /**
     * Whether the taskctx agent is active in this JVM. When false, context follows tasks only where
     * it is propagated explicitly ({@link #capture()}, {@link Snapshot#wrap}, {@link #wrap(Executor)}).
     */
    public static boolean agentActive() {
        return Propagation.agentActive();
    }

    private static String requireKey(String key) {
        return Objects.requireNonNull(key, "key must not be null: TaskContext keys are non-null strings");
    }
}
