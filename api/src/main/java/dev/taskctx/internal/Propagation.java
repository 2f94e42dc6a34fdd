package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.CarriedThreadLocal;
import java.util.concurrent.Callable;

/**
 * The propagation core: the current context, capture, install and restore (the only place that writes
 * carried thread-locals), and the agent's state. The hooks that woven code reaches through
 * {@link AgentHooks} are split by role: {@link HandOffs} (where work is handed over), {@link TaskRuns}
 * (where it runs), {@link NewThreads} and {@link Coroutines}. Internal: it lives on the bootstrap class
 * path so that code woven into {@code java.base} can link to it.
 */
public final class Propagation {

    /**
     * Snapshots bound to tasks handed to pools, fork/join queues and timers: in the task's own field
     * ({@code FutureTask}, {@code ForkJoinTask}, {@code TimerTask}, a {@code Runnable} lambda), else beside it. Kept apart from the long-lived
     * bindings below, so that while no pool task waits with a context, an empty hand-off finds the
     * side table empty without computing the task's identity hash.
     */
    static final Bindings TASKS = Bindings.ofTasks();
    /**
     * Snapshots of {@code CompletableFuture} completions: an async one's goes when its executor runs it,
     * a synchronous one's when the completion is collected (it can be tried more than once).
     */
    static final Bindings COMPLETIONS = Bindings.ofCompletions();
    /** The context of the code that registered a Netty promise's listeners, keyed by the promise. */
    static final Bindings PROMISES = Bindings.beside();
    /**
     * The context a gRPC call's later work runs with, keyed by the object that holds that work: a
     * delayed client call (its start, made by the application, run by the thread that resolves the
     * channel) and a call's listener on either side (its events, raised by the transport).
     */
    static final Bindings GRPC_CALLS = Bindings.beside();
    /** Each kotlinx coroutine's own context, keyed by its {@code CoroutineContext}. */
    static final Bindings COROUTINES = Bindings.beside();
    /**
     * The snapshot each new thread inherited, keyed by the thread, from its construction until its first
     * use of its state or its end: a thread that never reads its context costs one entry, and a thread
     * that inherits nothing costs nothing ({@link NewThreads}).
     */
    static final TaskTable NEW_THREADS = new TaskTable();

    private static volatile boolean agentActive;
    private static volatile SpanRecorder spanRecorder;
    private static volatile String[] spanKeys;
    private static volatile boolean spansFixed;
    private static volatile boolean threadPropagation = true;

    private Propagation() {
    }

    // ---- the current context ------------------------------------------------------------------

    /**
     * The current thread's context as a hand-off takes it: its snapshot and, while thread-locals are
     * registered ({@link #register}), their values beside it.
     */
    public static Snapshot capture() {
        return capture(ThreadState.current());
    }

    /** Makes {@code snapshot} current and returns the snapshot it replaced, for {@link #restore}. */
    public static Snapshot install(Snapshot snapshot) {
        return install(ThreadState.current(), snapshot);
    }

    /** Puts back the snapshot {@link #install} returned. */
    public static void restore(Snapshot previous) {
        restore(ThreadState.current(), previous);
    }

    /** The current thread's entries alone, for {@code TaskContext}'s reads: no carried thread-local is read. */
    public static Snapshot current() {
        return ThreadState.current().context;
    }

    /** Replaces the current thread's entries ({@code TaskContext.set}); carried thread-locals are left as they are. */
    public static void replace(Snapshot entries) {
        ThreadState state = ThreadState.current();
        Snapshot replaced = state.context;
        state.context = entries;
        if (ContextSpans.ON) {
            ContextSpans.contextChanged(state);
        }
        if (state.coroutines != null) {
            Coroutines.entriesReplaced(state, replaced);
        }
    }

    /** Runs {@code task} inside {@code snapshot} as a task of its own: threads it creates are not pool threads. */
    public static void runTask(Snapshot snapshot, Runnable task) {
        ThreadState state = ThreadState.current();
        int handoffDepth = state.handoffDepth;
        Snapshot previous = install(state, snapshot);
        // A direct executor runs the task inside its execute(); the task itself is not a hand-off in progress.
        state.handoffDepth = 0;
        try {
            task.run();
        } finally {
            restore(state, previous);
            state.handoffDepth = handoffDepth;
        }
    }

    /** {@link #runTask(Snapshot, Runnable)} for a {@code Callable}. */
    public static <V> V callTask(Snapshot snapshot, Callable<V> task) throws Exception {
        ThreadState state = ThreadState.current();
        int handoffDepth = state.handoffDepth;
        Snapshot previous = install(state, snapshot);
        state.handoffDepth = 0;
        try {
            return task.call();
        } finally {
            restore(state, previous);
            state.handoffDepth = handoffDepth;
        }
    }

    // Every hand-off reads the context through capture(state) and every task installs and restores it
    // through install/restore(state, ...): the registered thread-locals are handled there and only there.

    static Snapshot capture(ThreadState state) {
        Snapshot context = state.context;
        CarriedThreadLocal<?>[] accessors = CarriedThreadLocals.registered();
        // With nothing registered, capturing stays one reference read.
        return accessors.length == 0 ? context : CarriedThreadLocals.capture(state, context, accessors);
    }

    static Snapshot install(ThreadState state, Snapshot snapshot) {
        Snapshot previous = capture(state);
        return write(state, snapshot, previous);
    }

    static void restore(ThreadState state, Snapshot previous) {
        state.context = previous;
        if (ContextSpans.ON) {
            ContextSpans.contextChanged(state);
        }
        CarriedThreadLocal<?>[] accessors = CarriedThreadLocals.registered();
        if (accessors.length != 0) {
            CarriedThreadLocals.restore(state, previous, accessors);
        }
    }

    /** Installs {@code snapshot} over {@code previous} (null: nothing to put back); returns what {@link #restore} takes. */
    static Snapshot write(ThreadState state, Snapshot snapshot, Snapshot previous) {
        state.context = snapshot;
        if (ContextSpans.ON) {
            ContextSpans.contextChanged(state);
        }
        CarriedThreadLocal<?>[] accessors = CarriedThreadLocals.registered();
        return accessors.length == 0 ? previous : CarriedThreadLocals.install(state, snapshot, previous, accessors);
    }

    /** Whether a hand-off has nothing to carry: no entries and no thread-local values beside them. */
    static boolean carriesNothing(Snapshot snapshot) {
        return snapshot.isEmpty() && !CarriedThreadLocals.carriesValues(snapshot);
    }

    // ---- carried thread-locals ----------------------------------------------------------------

    /** Carries {@code accessor}'s thread-local with the context from the next capture on; once per accessor. */
    public static void register(CarriedThreadLocal<?> accessor) {
        CarriedThreadLocals.register(accessor);
    }

    /** Stops carrying {@code accessor}'s thread-local; does nothing if it is not registered. */
    public static void unregister(CarriedThreadLocal<?> accessor) {
        CarriedThreadLocals.unregister(accessor);
    }

    /** The application used {@code org.slf4j.MDC} class {@code mdc} (agent option {@code mdc}): carry its values. */
    public static void mdcInUse(Class<?> mdc) {
        MdcBridge.inUse(mdc);
    }

    /** Micrometer's {@code ContextRegistry} {@code registry} (agent option {@code micrometer}) gained or lost an accessor. */
    public static void micrometerRegistryChanged(Class<?> registryClass, Object registry) {
        MicrometerBridge.registryChanged(registryClass, registry);
    }

    // ---- agent state --------------------------------------------------------------------------

    /** Called once by the agent's premain, after its instrumentation is installed. */
    public static void agentStarted(boolean propagateToNewThreads) {
        threadPropagation = propagateToNewThreads;
        TaskRuns.agentStarted();
        agentActive = true;
        Thread cleaner = new Thread(new Cleaner(), "taskctx-cleaner");
        cleaner.setDaemon(true);
        cleaner.start();
    }

    /** The cleaner thread's task: a class, as a lambda here would cost the JVM's start-up tens of milliseconds. */
    private static final class Cleaner implements Runnable {
        @Override
        public void run() {
            TaskTable.expungeForever();
        }
    }

    /**
     * Called by the agent's premain (option {@code jfr}) before its hooks are installed: every thread's
     * spans of context holding {@code keys} are recorded with {@code recorder} ({@link ContextSpans}).
     * Returns false if it came too late: some thread's context had changed already (a late attach), and
     * whether spans are recorded was fixed then.
     */
    public static boolean recordSpansWith(SpanRecorder recorder, String[] keys) {
        if (spansFixed) {
            return false;
        }
        spanKeys = keys.clone();
        spanRecorder = recorder;
        return ContextSpans.ON;
    }

    static SpanRecorder spanRecorder() {
        return spanRecorder;
    }

    static String[] spanKeys() {
        return spanKeys;
    }

    /** {@link ContextSpans} was initialized: what {@link #recordSpansWith} gives from now on is not read. */
    static void spansFixed() {
        spansFixed = true;
    }

    /** Whether the agent is installed in this JVM. */
    public static boolean agentActive() {
        return agentActive;
    }

    /**
     * The snapshot a thread being constructed by the current thread inherits: the creator's, unless the
     * agent is off, thread propagation is off, or the creator is inside a hand-off (an executor starting
     * a worker is not handing its caller's context to the worker).
     */
    static Snapshot forNewThread(ThreadState creator) {
        return agentActive && threadPropagation && creator.handoffDepth == 0 ? capture(creator) : Snapshot.empty();
    }

    /**
     * The snapshot {@code thread}'s creator left for it ({@link NewThreads}), taken at the thread's
     * first use of its state, or the empty one.
     */
    // In this class, not NewThreads: after a late attach, the application's own copy of these classes
    // calls it from ThreadState, and a class it had not loaded yet would resolve to the agent's copy.
    static Snapshot inheritedBy(Thread thread) {
        Snapshot inherited = NEW_THREADS.forRun(thread);
        return inherited == null ? Snapshot.empty() : inherited;
    }

    /** Number of live bindings; for tests and diagnostics. */
    public static int boundTasks() {
        return TASKS.sizeBeside();
    }

    /** Number of gRPC calls' listeners and delayed starts bound to a context; for tests and diagnostics. */
    public static int boundGrpcWork() {
        return GRPC_CALLS.sizeBeside();
    }
}
