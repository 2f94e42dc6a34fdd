package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.ThreadLocalAccessor;
import java.nio.channels.CompletionHandler;
import java.util.Set;
import java.util.TimerTask;
import java.util.concurrent.Callable;
import java.util.concurrent.RunnableScheduledFuture;

/**
 * The propagation core: capture, install and restore, and the hooks the agent's advice calls from
 * instrumented JDK and application code. Internal: it lives on the bootstrap class path so that
 * advice inlined into {@code java.base} can link to it, and its methods never throw for lack of a
 * context. Advice is a call into this class, never a copy of its logic.
 */
public final class Propagation {

    /** Snapshots bound beside tasks, completions and coroutines; package-private for the other hook classes. */
    static final TaskTable TASKS = new TaskTable();

    private static volatile boolean agentActive;
    private static volatile boolean threadPropagation = true;
    /** {@code jdk.internal.misc.CarrierThread} where the JDK has virtual threads, else null. */
    private static volatile Class<?> carrierThreadClass;

    /** {@code CompletableFuture.ASYNC}: the completion runs as a task an executor took; the executor installed its context. */
    private static final int COMPLETION_ASYNC = 1;

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
        ThreadLocalAccessor<?>[] accessors = CarriedThreadLocals.registered();
        // With nothing registered, capturing stays one reference read.
        return accessors.length == 0 ? context : CarriedThreadLocals.capture(state, context, accessors);
    }

    static Snapshot install(ThreadState state, Snapshot snapshot) {
        Snapshot previous = capture(state);
        return write(state, snapshot, previous);
    }

    static void restore(ThreadState state, Snapshot previous) {
        state.context = previous;
        ThreadLocalAccessor<?>[] accessors = CarriedThreadLocals.registered();
        if (accessors.length != 0) {
            CarriedThreadLocals.restore(state, previous, accessors);
        }
    }

    /** Installs {@code snapshot} over {@code previous} (null: nothing to put back); returns what {@link #restore} takes. */
    static Snapshot write(ThreadState state, Snapshot snapshot, Snapshot previous) {
        state.context = snapshot;
        ThreadLocalAccessor<?>[] accessors = CarriedThreadLocals.registered();
        return accessors.length == 0 ? previous : CarriedThreadLocals.install(state, snapshot, previous, accessors);
    }

    /** Whether a hand-off has nothing to carry: no entries and no thread-local values beside them. */
    private static boolean carriesNothing(Snapshot snapshot) {
        return snapshot.isEmpty() && !CarriedThreadLocals.carriesValues(snapshot);
    }

    // ---- carried thread-locals ----------------------------------------------------------------

    /** Carries {@code accessor}'s thread-local with the context from the next capture on; once per accessor. */
    public static void register(ThreadLocalAccessor<?> accessor) {
        CarriedThreadLocals.register(accessor);
    }

    /** Stops carrying {@code accessor}'s thread-local; does nothing if it is not registered. */
    public static void unregister(ThreadLocalAccessor<?> accessor) {
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
        carrierThreadClass = carrierThreadClass();
        agentActive = true;
        Thread cleaner = new Thread(new Cleaner(), "taskctx-cleaner");
        cleaner.setDaemon(true);
        cleaner.start();
    }

    /** The cleaner thread's task: a class, as a lambda here would cost the JVM's start-up tens of milliseconds. */
    private static final class Cleaner implements Runnable {
        @Override
        public void run() {
            TASKS.expungeForever();
        }
    }

    /** Whether the agent is installed in this JVM. */
    public static boolean agentActive() {
        return agentActive;
    }

    // ---- hand-off hooks called by advice ------------------------------------------------------

    /**
     * A task is being handed to a pool that keeps its identity ({@code ThreadPoolExecutor},
     * {@code ScheduledThreadPoolExecutor}): binds the current snapshot to it beside the task, and
     * marks the thread as inside a hand-off until {@link #handOffDone}.
     *
     * @param keepAfterRun the task runs again (a periodic task) and keeps its snapshot
     */
    public static void handOff(Object task, boolean keepAfterRun) {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth++ > 0) {
            // Nested in another hand-off (JDK 17's externalPush pushes; an executor delegating to a
            // pool): the outer one bound the caller's task.
            return;
        }
        Snapshot snapshot = capture(state);
        if (!carriesNothing(snapshot) && task != null && !(task instanceof SnapshotRunnable)) {
            TASKS.put(task, snapshot, keepAfterRun);
        }
    }

    /**
     * {@link #handOff} at {@code ThreadPoolExecutor.execute}; returns the task to queue. The binding
     * is one per task object, so two cases need care. A task object handed off again after a pool
     * rejected, discarded or removed it without running it still has the binding from then: handed
     * off with an empty context, that binding is dropped. A task object that is still waiting with
     * another snapshot (one {@code Runnable} instance submitted by two requests) is queued this time
     * in a {@code SnapshotRunnable}, so that each run sees its own submitter's context. A task of the
     * JDK's internal packages is bound to nothing.
     */
    public static Runnable handOffToPool(Runnable task) {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth++ > 0) {
            // A nested hand-off: the executor's own machinery. The caller's task carries its own snapshot.
            if (task != null) {
                TASKS.remove(task);
            }
            return task;
        }
        Snapshot snapshot = capture(state);
        if (task == null || task instanceof SnapshotRunnable) {
            return task;
        }
        if (carriesNothing(snapshot)) {
            TASKS.remove(task);
            return task;
        }
        if (InfrastructureThreads.isJdkInternal(task.getClass())) {
            // The JDK's own service loop, started from whatever request first needed it: it runs empty.
            return task;
        }
        return TASKS.bindIfUnbound(task, snapshot) ? task : new SnapshotRunnable(snapshot, task);
    }

    /**
     * The hand-off that {@link #handOff} began has returned; if it threw, the task was not accepted
     * and its binding is dropped.
     */
    public static void handOffDone(Object task, Throwable thrown) {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth > 0) {
            state.handoffDepth--;
        }
        if (thrown != null && task != null) {
            TASKS.remove(task);
        }
    }

    /**
     * A pool rejected a task and its rejection handler runs now, on the submitting thread, where
     * {@code CallerRunsPolicy} runs the task inline: like any task, it runs in its submitter's context
     * and not inside a hand-off, and what it changes is dropped when the handler returns. Returns what
     * {@link #rejectionHandled} needs.
     */
    public static Object rejectionHandling() {
        ThreadState state = ThreadState.current();
        SuspendedHandOff suspended = new SuspendedHandOff(capture(state), state.handoffDepth);
        state.handoffDepth = 0;
        return suspended;
    }

    /** Ends what {@link #rejectionHandling} began: the submitter's context and hand-off are back. */
    public static void rejectionHandled(Object suspended) {
        if (suspended instanceof SuspendedHandOff) {
            SuspendedHandOff handOff = (SuspendedHandOff) suspended;
            ThreadState state = ThreadState.current();
            restore(state, handOff.context);
            state.handoffDepth = handOff.handoffDepth;
        }
    }

    /** The submitter's state while a rejection handler runs. */
    private static final class SuspendedHandOff {
        final Snapshot context;
        final int handoffDepth;

        SuspendedHandOff(Snapshot context, int handoffDepth) {
            this.context = context;
            this.handoffDepth = handoffDepth;
        }
    }

    /**
     * A task is being handed to an executor that may keep it anywhere and run it on any thread (the
     * application's and libraries' own executors): returns the task bound to the current snapshot,
     * an empty one included, because only the wrapper can scope what the task sets to the task (the
     * executor's worker keeps nothing of it afterwards). A task already bound is returned as it is,
     * and so is a task handed off while the thread is inside another hand-off: that is the outer
     * executor's own machinery (starting its loop thread, a drainer), and the caller's task, wrapped
     * by the outer hand-off, carries the caller's snapshot. Marks the thread as inside a hand-off
     * until {@link #handOffDone}.
     */
    public static Runnable wrapForHandOff(Runnable task) {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth++ > 0 || task == null || task instanceof SnapshotRunnable) {
            return task;
        }
        return new SnapshotRunnable(capture(state), task);
    }

    /**
     * A task given to {@code schedule}, {@code scheduleAtFixedRate} or {@code scheduleWithFixedDelay}
     * of a {@code ScheduledExecutorService} that the agent does not instrument at its queue: bound to
     * the current snapshot for every run, whatever path the implementation takes to run it later
     * (Netty re-queues a scheduled task from its loop). As {@link #wrapForHandOff}, also for nesting.
     */
    public static Callable<?> wrapScheduled(Callable<?> task) {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth++ > 0 || task == null || task instanceof SnapshotCallable) {
            return task;
        }
        return new SnapshotCallable<>(capture(state), task);
    }

    /**
     * A listener is registered on a future that runs it when it completes, on the completing thread or
     * through an executor (Guava's {@code ListenableFuture}): it runs with the registering code's
     * snapshot, an empty one included, never with the completing thread's. Not a hand-off in itself:
     * the executor that later runs the listener finds it bound.
     */
    public static Runnable wrapListener(Runnable listener) {
        if (listener == null || listener instanceof SnapshotRunnable) {
            return listener;
        }
        return new SnapshotRunnable(capture(), listener);
    }

    /**
     * An asynchronous channel operation starts with {@code handler} (NIO.2): the handler runs with the
     * snapshot of the code that started the operation, on whichever group thread completes it.
     */
    public static CompletionHandler<?, ?> wrapCompletionHandler(CompletionHandler<?, ?> handler) {
        if (handler == null || handler instanceof SnapshotCompletionHandler) {
            return handler;
        }
        return new SnapshotCompletionHandler<>(capture(), handler);
    }

    /**
     * Runs a task a pool worker took from its queue, inside the snapshot bound to it at hand-off
     * (the empty one if none was), then restores the worker's own context.
     */
    public static void runTask(Runnable task) {
        Snapshot snapshot = TASKS.forRun(task);
        runTask(snapshot == null ? Snapshot.empty() : snapshot, task);
    }

    /** Puts back what a task's begin hook ({@link #beginForkJoinTask}, {@link #beginCompletion}) returned, if anything. */
    public static void endTask(Snapshot previous) {
        if (previous != null) {
            restore(previous);
        }
    }

    /** Number of live bindings; for tests and diagnostics. */
    public static int boundTasks() {
        return TASKS.size();
    }

    // ---- threads ------------------------------------------------------------------------------

    /**
     * The state a new thread starts with, decided while its creator constructs it: the creator's
     * snapshot, unless the agent is off, thread propagation is off, or the creator is inside a
     * hand-off (an executor starting a worker is not handing its caller's context to the worker).
     */
    static ThreadState childState(ThreadState parent) {
        Snapshot inherited = agentActive && threadPropagation && parent.handoffDepth == 0
                ? capture(parent)
                : Snapshot.empty();
        ThreadState child = new ThreadState(inherited);
        // Only a child that inherited something can need resetting; holding no reference otherwise
        // means nothing is kept when the constructor advice is not installed (threads=off).
        parent.constructedChild = carriesNothing(inherited) ? null : child;
        return child;
    }

    /**
     * {@code thread}'s {@code run()} begins. The task context arrived with the inheritable thread state;
     * thread-local values captured beside it when the thread was constructed can only be written on the
     * new thread itself, and are written here.
     */
    public static void threadStarted(Thread thread) {
        if (CarriedThreadLocals.registered().length == 0 || thread != Thread.currentThread()) {
            return;
        }
        ThreadState state = ThreadState.current();
        Snapshot context = state.context;
        if (CarriedThreadLocals.carriesValues(context)) {
            write(state, context, null);
            // A run() that calls super.run() comes here twice: the second time finds nothing to write.
            state.context = CarriedThreadLocals.entries(context);
        }
    }

    /**
     * A constructor of {@code thread} has finished on the current thread (its creator). If the new
     * thread is infrastructure ({@link InfrastructureThreads#startsEmpty}: a pool's worker, a JDK
     * service thread, an excluded class), it drops the snapshot it inherited and starts empty.
     * Idempotent: a thread's nested constructors call it once each, and the first call decides.
     *
     * @param target the task the thread will run, or null (a subclass overriding run())
     */
    public static void threadConstructed(Thread thread, Runnable target) {
        // A JNI-attached or primordial thread runs its own constructor: it has no creator.
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        ThreadState parent = ThreadState.current();
        ThreadState child = parent.constructedChild;
        if (child != null) {
            parent.constructedChild = null;
            if (InfrastructureThreads.startsEmpty(thread, target)) {
                child.context = Snapshot.empty();
            }
        }
    }

    // ---- fork/join, completions, timers -------------------------------------------------------

    /**
     * The pool is working for itself (creating a worker, starting its delay scheduler, re-queueing a
     * periodic task): threads it constructs until {@link #exitPoolInternals} start empty.
     */
    public static void enterPoolInternals() {
        ThreadState.current().handoffDepth++;
    }

    /** Ends what {@link #enterPoolInternals} began. */
    public static void exitPoolInternals() {
        ThreadState state = ThreadState.current();
        if (state.handoffDepth > 0) {
            state.handoffDepth--;
        }
    }

    /**
     * {@code ForkJoinTask.invoke()}, {@code quietlyInvoke()} or {@code invokeAll(...)} is about to run
     * its first task directly in the calling thread: that task was never pushed and keeps the
     * caller's context.
     */
    public static void rootTaskBegins() {
        ThreadState.current().rootTaskPending = true;
    }

    /** The invoke()/invokeAll() that {@link #rootTaskBegins} announced has returned. */
    public static void rootTaskEnds() {
        ThreadState.current().rootTaskPending = false;
    }

    /**
     * {@code ForkJoinTask.doExec} begins: installs the snapshot bound when the task was pushed, or the
     * empty one (a worker helping while it joins must not lend the joining task's context to a task
     * pushed without one). A root task, which runs in its caller, keeps the caller's context, and so
     * does a virtual-thread carrier: its tasks are continuations, submitted by whichever thread
     * unparked the virtual thread. Returns the snapshot to put back with {@link #endTask}, so that
     * what the task sets stays in the task.
     */
    public static Snapshot beginForkJoinTask(Object task) {
        ThreadState state = ThreadState.current();
        Snapshot bound = TASKS.forRun(task);
        Snapshot previous = capture(state);
        if (state.rootTaskPending) {
            state.rootTaskPending = false;
            return previous;
        }
        Class<?> carrier = carrierThreadClass;
        if (carrier != null && carrier.isInstance(Thread.currentThread())) {
            return previous;
        }
        return write(state, bound == null ? Snapshot.empty() : bound, previous);
    }

    /**
     * A task that is handed off by whoever created it binds the creator's snapshot (a task scheduled on
     * JDK 25's {@code ForkJoinPool}); nothing is bound for an empty context.
     */
    public static void bindCurrent(Object task, boolean keepAfterRun) {
        Snapshot snapshot = capture();
        if (!carriesNothing(snapshot) && task != null) {
            TASKS.put(task, snapshot, keepAfterRun);
        }
    }

    /**
     * A {@code ScheduledThreadPoolExecutor} task is queued: {@link #handOff} that keeps the snapshot for
     * every run of a periodic task (the pool re-queues the same object).
     */
    public static void handOffScheduled(Object task) {
        boolean periodic;
        try {
            periodic = task instanceof RunnableScheduledFuture && ((RunnableScheduledFuture<?>) task).isPeriodic();
        } catch (RuntimeException e) {
            periodic = false;
        }
        handOff(task, periodic);
    }

    /**
     * A dependent stage was registered on a {@code CompletableFuture}: when the future completes, it
     * runs with the registering code's context, not the completing thread's. The binding lives as
     * long as the completion object (a two-source completion is tried more than once).
     */
    public static void completionRegistered(Object completion) {
        bindCurrent(completion, true);
    }

    /**
     * {@code Completion.tryFire(mode)} begins: for a synchronous or nested run (the registering thread
     * right after registration, or the completing thread) installs the registration snapshot, or the
     * empty one; an asynchronous run already runs inside its executor's hand-off and gets nothing.
     */
    public static Snapshot beginCompletion(Object completion, int mode) {
        if (mode == COMPLETION_ASYNC) {
            return null;
        }
        Snapshot bound = TASKS.peek(completion);
        return install(bound == null ? Snapshot.empty() : bound);
    }

    /** {@code TimerThread.mainLoop} runs a task: like {@link #runTask(Runnable)}. */
    public static void runTimerTask(TimerTask task) {
        runTask(task);
    }

    private static Class<?> carrierThreadClass() {
        try {
            return Class.forName("jdk.internal.misc.CarrierThread", false, null);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * Prepares {@link #threadConstructed(Thread, Runnable)} before its advice is installed: resolves
     * the classes the decision needs, so that nothing is loaded inside a Thread constructor.
     *
     * @param excludedClassNames threads of these classes, or running targets of these classes, start empty
     */
    public static void threadConstructionObserved(Set<String> excludedClassNames) {
        ThreadState.current();
        InfrastructureThreads.configure(excludedClassNames);
        InfrastructureThreads.startsEmpty(Thread.currentThread(), null);
    }
}
