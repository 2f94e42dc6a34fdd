package dev.taskctx;

import dev.taskctx.internal.Propagation;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
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
 * <p>Children get copies (aiotask-context's {@code copying_task_factory}). {@link #runShared} opens a
 * scope in which the parent and its children share one context instead (aiotask-context's
 * {@code task_factory}), for collecting results from fan-out work.
 *
 * <p>All methods are thread-safe and act on the calling thread's context only (inside a shared scope:
 * on the scope's context). A {@code null} key is rejected with a {@code NullPointerException}.
 */
public final class TaskContext {

    static {
        PropagationWarnings.checkSecondCopy(TaskContext.class);
    }

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
     * key. Tasks already handed off keep the context they were given; inside {@link #runShared} the
     * value is stored in the shared context, where every task of the scope sees it from now on.
     *
     * <p>The first call in a JVM without the agent prints one warning line on stderr (values will not
     * follow hand-offs by themselves); {@code -Dtaskctx.warnWithoutAgent=false} suppresses it.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static void set(String key, Object value) {
        requireKey(key);
        if (!Propagation.agentActive()) {
            PropagationWarnings.agentMissing();
        }
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

    /**
     * Empties the current context. Tasks already handed off keep the context they were given; inside
     * {@link #runShared} the shared context is emptied for every task of the scope.
     */
    public static void clear() {
        Propagation.replace(Propagation.current().cleared());
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
     * Runs {@code block} in a new shared context, then restores the caller's own context, also when
     * {@code block} throws. The shared context starts with the caller's current entries; inside the
     * block, the caller and every task handed off from it (and their tasks in turn, with the agent or
     * with explicit {@link #capture()}/{@link #wrap(Executor)}) read and write that one context, so a
     * value a task sets is visible to the caller and to its siblings as soon as {@code set} returned.
     * Use it to collect results from fan-out work; everywhere else the default, a copy per task, is
     * the safer choice.
     *
     * <p>Cost: {@code get} and {@code set} go to a {@code ConcurrentHashMap} instead of an immutable
     * map ({@code set} no longer copies, {@code asMap} does); hand-offs still pass one reference. The
     * price is isolation: any task of the scope may overwrite any key, and the scope's tasks see each
     * other's changes while they run.
     *
     * <p>Scope: the caller's context before and after the block is its own, untouched by what the
     * block set. A task handed off inside the block keeps the shared context for its whole run, also
     * if it outlives the block; what it sets after the block returned reaches only the scope's other
     * tasks. A nested {@code runShared} opens a new shared context, starting with a copy of the
     * enclosing one's entries, whose changes do not reach the enclosing scope.
     *
     * @throws NullPointerException if {@code block} is null
     */
    public static void runShared(Runnable block) {
        Objects.requireNonNull(block, "block must not be null");
        Propagation.capture().sharedCopy().run(block);
    }

    /**
     * {@link #runShared} for a block that returns a value, typically read from the shared context
     * after the fan-out work joined: {@code callShared(() -> { fanOut(); join(); return
     * TaskContext.asMap(); })}. Exceptions reach the caller unchanged.
     *
     * @throws NullPointerException if {@code block} is null
     */
    public static <V> V callShared(Callable<V> block) throws Exception {
        Objects.requireNonNull(block, "block must not be null");
        return Propagation.capture().sharedCopy().call(block);
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
    public static void register(CarriedThreadLocal<?> accessor) {
        Propagation.register(Objects.requireNonNull(accessor, "accessor must not be null"));
    }

    /**
     * Stops carrying {@code accessor}'s thread-local; does nothing if it was not registered. Tasks
     * already handed off still get the value captured for them.
     *
     * @throws NullPointerException if {@code accessor} is null
     */
    public static void unregister(CarriedThreadLocal<?> accessor) {
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
