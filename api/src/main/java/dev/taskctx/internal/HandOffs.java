package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.Callable;
import java.util.concurrent.RunnableScheduledFuture;

/**
 * The hand-off side: where a task, a listener or a handler is handed over, the submitter's snapshot
 * is bound to it (beside it in the side table where its identity must stay exact, in a wrapper where
 * the executor's queue is private to it), and the thread is marked as inside a hand-off, so that what
 * the executor's own machinery hands off or starts meanwhile carries nothing.
 */
final class HandOffs {

    private HandOffs() {
    }

    /**
     * Marks the thread as inside a hand-off until {@link #leave}; whether it is the outermost one. A
     * nested hand-off is the executor's own machinery (starting its loop thread, a drainer, a worker):
     * the caller's task, bound by the outer one, carries the caller's snapshot.
     */
    private static boolean enter(ThreadState state) {
        return state.handoffDepth++ == 0;
    }

    /** Ends what {@link #enter} began. */
    private static void leave(ThreadState state) {
        if (state.handoffDepth > 0) {
            state.handoffDepth--;
        }
    }

    /**
     * A task is being queued where its identity is observable and it is run by a hook of ours: a
     * fork/join work queue, {@code ScheduledThreadPoolExecutor.delayedExecute}, {@code Timer.sched}
     * ({@code ThreadPoolExecutor.execute} has {@link #handOffToPool}). Binds the current snapshot beside
     * the task, and marks the thread as inside a hand-off until {@link #handOffDone}.
     *
     * @param keepAfterRun the task runs again (a periodic task) and keeps its snapshot
     */
    static void handOff(Object task, boolean keepAfterRun) {
        ThreadState state = ThreadState.current();
        if (!enter(state)) {
            // Also JDK 17's externalPush, which pushes: the outer hook bound the task.
            return;
        }
        Snapshot snapshot = Propagation.capture(state);
        if (!Propagation.carriesNothing(snapshot) && task != null && !(task instanceof SnapshotRunnable)) {
            Propagation.TASKS.put(task, snapshot, keepAfterRun);
        }
    }

    /**
     * {@link #handOff} at {@code ThreadPoolExecutor.execute}; returns the task to queue. The binding
     * is one per task object, so two cases need care. A task object handed off again after a pool
     * rejected, discarded or removed it without running it still has the binding from then: handed
     * off with an empty context, that binding is dropped. A task object that is still waiting (one
     * {@code Runnable} instance submitted twice, by one request or by two) is queued this time in a
     * {@code SnapshotRunnable}, so that every run sees its own submitter's context. A task of the
     * JDK's internal packages is bound to nothing.
     */
    static Runnable handOffToPool(Runnable task) {
        ThreadState state = ThreadState.current();
        if (!enter(state)) {
            if (task != null) {
                Propagation.TASKS.remove(task);
            }
            return task;
        }
        Snapshot snapshot = Propagation.capture(state);
        if (task == null || task instanceof SnapshotRunnable) {
            return task;
        }
        if (Propagation.carriesNothing(snapshot)) {
            Propagation.TASKS.remove(task);
            return task;
        }
        if (InfrastructureThreads.isJdkInternal(task.getClass())) {
            // The JDK's own service loop, started from whatever request first needed it: it runs empty.
            return task;
        }
        return Propagation.TASKS.bindIfUnbound(task, snapshot) ? task : new SnapshotRunnable(snapshot, task);
    }

    /**
     * The hand-off that {@link #handOff} began has returned; if it threw, the task was not accepted
     * and its binding is dropped.
     */
    static void handOffDone(Object task, Throwable thrown) {
        leave(ThreadState.current());
        if (thrown != null && task != null) {
            Propagation.TASKS.remove(task);
        }
    }

    /**
     * A pool rejected a task and its rejection handler runs now, on the submitting thread, where
     * {@code CallerRunsPolicy} runs the task inline: like any task, it runs in its submitter's context
     * and not inside a hand-off, and what it changes is dropped when the handler returns. The binding
     * {@code execute} made for {@code task} goes first: the pool does not hold the task, whatever the
     * handler does with it (runs it, drops it, or hands it to {@code execute} again, which binds it anew
     * and so queues the task itself). Returns what {@link #rejectionHandled} needs.
     */
    static Object rejectionHandling(Object task) {
        if (task != null) {
            Propagation.TASKS.remove(task);
        }
        ThreadState state = ThreadState.current();
        SuspendedHandOff suspended = new SuspendedHandOff(Propagation.capture(state), state.handoffDepth);
        state.handoffDepth = 0;
        return suspended;
    }

    /** Ends what {@link #rejectionHandling} began: the submitter's context and hand-off are back. */
    static void rejectionHandled(Object suspended) {
        if (suspended instanceof SuspendedHandOff) {
            SuspendedHandOff handOff = (SuspendedHandOff) suspended;
            ThreadState state = ThreadState.current();
            Propagation.restore(state, handOff.context);
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
    static Runnable wrapForHandOff(Runnable task) {
        ThreadState state = ThreadState.current();
        if (!enter(state) || task == null || task instanceof SnapshotRunnable) {
            return task;
        }
        return new SnapshotRunnable(Propagation.capture(state), task);
    }

    /**
     * A task queued for a library's own machinery (gRPC's {@code SynchronizationContext}: name resolution,
     * load balancing, health checks), which whichever thread queues into it may drain: it runs with the empty
     * context, never the queuing or the draining code's, and what it sets is gone for the next task.
     */
    static Runnable wrapForMachinery(Runnable task) {
        if (task == null || task instanceof SnapshotRunnable) {
            return task;
        }
        return new SnapshotRunnable(Snapshot.empty(), task);
    }

    /**
     * A task given to {@code schedule}, {@code scheduleAtFixedRate} or {@code scheduleWithFixedDelay}
     * of a {@code ScheduledExecutorService} that the agent does not instrument at its queue: bound to
     * the current snapshot for every run, whatever path the implementation takes to run it later
     * (Netty re-queues a scheduled task from its loop). As {@link #wrapForHandOff}, also for nesting.
     */
    static Callable<?> wrapScheduled(Callable<?> task) {
        ThreadState state = ThreadState.current();
        if (!enter(state) || task == null || task instanceof SnapshotCallable) {
            return task;
        }
        return new SnapshotCallable<>(Propagation.capture(state), task);
    }

    /**
     * A listener is registered on a future that runs it when it completes, on the completing thread or
     * through an executor (Guava's {@code ListenableFuture}): it runs with the registering code's
     * snapshot, an empty one included, never with the completing thread's. Not a hand-off in itself:
     * the executor that later runs the listener finds it bound.
     */
    static Runnable wrapListener(Runnable listener) {
        if (listener == null || listener instanceof SnapshotRunnable) {
            return listener;
        }
        return new SnapshotRunnable(Propagation.capture(), listener);
    }

    /**
     * An asynchronous channel operation starts with {@code handler} (NIO.2): the handler runs with the
     * snapshot of the code that started the operation, on whichever group thread completes it.
     */
    static CompletionHandler<?, ?> wrapCompletionHandler(CompletionHandler<?, ?> handler) {
        if (handler == null || handler instanceof SnapshotCompletionHandler) {
            return handler;
        }
        return new SnapshotCompletionHandler<>(Propagation.capture(), handler);
    }

    /**
     * The pool is working for itself (creating a worker, starting its delay scheduler, re-queueing a
     * periodic task): threads it constructs until {@link #exitPoolInternals} start empty.
     */
    static void enterPoolInternals() {
        enter(ThreadState.current());
    }

    /** Ends what {@link #enterPoolInternals} began. */
    static void exitPoolInternals() {
        leave(ThreadState.current());
    }

    /**
     * {@code ForkJoinTask.invoke()}, {@code quietlyInvoke()} or {@code invokeAll(...)} is about to run
     * its first task directly in the calling thread: that task was never pushed and keeps the
     * caller's context.
     */
    static void rootTaskBegins() {
        ThreadState.current().rootTaskPending = true;
    }

    /** The invoke()/invokeAll() that {@link #rootTaskBegins} announced has returned. */
    static void rootTaskEnds() {
        ThreadState.current().rootTaskPending = false;
    }

    /**
     * A task that is handed off by whoever created it binds the creator's snapshot (a task scheduled on
     * JDK 25's {@code ForkJoinPool}); nothing is bound for an empty context.
     */
    static void bindCurrent(Object task, boolean keepAfterRun) {
        bindCurrent(Propagation.TASKS, task, keepAfterRun);
    }

    private static void bindCurrent(Bindings table, Object task, boolean keepAfterRun) {
        Snapshot snapshot = Propagation.capture();
        if (!Propagation.carriesNothing(snapshot) && task != null) {
            table.put(task, snapshot, keepAfterRun);
        }
    }

    /**
     * A {@code ScheduledThreadPoolExecutor} task is queued: {@link #handOff} that keeps the snapshot for
     * every run of a periodic task (the pool re-queues the same object).
     */
    static void handOffScheduled(Object task) {
        boolean periodic;
        try {
            periodic = task instanceof RunnableScheduledFuture && ((RunnableScheduledFuture<?>) task).isPeriodic();
        } catch (RuntimeException e) {
            periodic = false;
        }
        handOff(task, periodic);
    }

    /**
     * A listener is added to a Netty {@code DefaultPromise}: its listeners run, whichever thread completes
     * the promise, with the context of the code that added them. A promise keeps one snapshot for all its
     * listeners; when they were added with different contexts, they run with the empty one: none of them
     * sees another's values.
     */
    static void promiseListenerAdded(Object promise) {
        if (promise == null) {
            return;
        }
        Snapshot snapshot = Propagation.capture();
        Snapshot bound = Propagation.PROMISES.peek(promise);
        if (bound == null) {
            Propagation.PROMISES.put(promise, snapshot, true);
        } else if (bound != snapshot) {
            Propagation.PROMISES.put(promise, Snapshot.empty(), true);
        }
    }

    /**
     * A gRPC call's later work is handed over with {@code holder}: a delayed client call's start (run by
     * whichever thread later finds the channel's configuration) or a server call's listener (whose
     * events the transport raises). That work runs with the context of this moment
     * ({@link TaskRuns#beginGrpcCallWork}); an empty one binds nothing.
     */
    static void grpcCallWorkHandedOver(Object holder) {
        bindGrpcCallWork(holder, Propagation.capture());
    }

    /** A delayed gRPC {@code call} built {@code listener} for its early callbacks: both are bound to the context of now. */
    static void grpcDelayedCallWaits(Object call, Object listener) {
        Snapshot snapshot = Propagation.capture();
        bindGrpcCallWork(call, snapshot);
        bindGrpcCallWork(listener, snapshot);
    }

    private static void bindGrpcCallWork(Object holder, Snapshot snapshot) {
        if (holder != null && !Propagation.carriesNothing(snapshot)) {
            Propagation.GRPC_CALLS.put(holder, snapshot, true);
        }
    }

    /** The last work handed over with {@code holder} ran ({@link #grpcCallWorkHandedOver}): its binding goes. */
    static void grpcCallWorkDone(Object holder) {
        if (holder != null) {
            Propagation.GRPC_CALLS.remove(holder);
        }
    }

    /**
     * A Netty executor's termination future was created: it lives as long as the executor, and the
     * group that builds the executor adds a listener to it from whatever context builds the group.
     * Bound to the empty snapshot up front, so that listeners added with any context run with the
     * empty one ({@link #promiseListenerAdded}) and the future keeps none of their values.
     */
    static void terminationFutureCreated(Object promise) {
        if (promise != null) {
            Propagation.PROMISES.put(promise, Snapshot.empty(), true);
        }
    }

    /**
     * A dependent stage was registered on a {@code CompletableFuture}: when the future completes, it
     * runs with the registering code's context, not the completing thread's. The binding stays while
     * the stage can still be tried: the registering thread and the completing thread may both try it
     * (only one claims it), and a stage of two futures is tried once per source. An async stage drops it
     * when its executor runs it ({@link TaskRuns#beginCompletion}); a synchronous one keeps it until the
     * stage is collected.
     */
    static void completionRegistered(Object completion) {
        bindCurrent(Propagation.COMPLETIONS, completion, true);
    }
}
