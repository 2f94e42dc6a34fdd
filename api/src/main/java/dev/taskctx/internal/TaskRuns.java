package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * The run side: where a task handed off to a pool, a fork/join task or a completion runs, its bound
 * snapshot (or the empty one) is installed, and the thread's own context is put back afterwards.
 */
final class TaskRuns {

    /** {@code CompletableFuture.ASYNC}: the completion runs as a task an executor took; the executor installed its context. */
    private static final int COMPLETION_ASYNC = 1;

    /** {@code jdk.internal.misc.CarrierThread} where the JDK has virtual threads, else null. */
    private static volatile Class<?> carrierThreadClass;

    private TaskRuns() {
    }

    /** Resolved at premain: nothing is loaded inside a hook. */
    static void agentStarted() {
        carrierThreadClass = InfrastructureThreads.bootstrapClass("jdk.internal.misc.CarrierThread");
    }

    /**
     * Runs a task a pool worker took from its queue, inside the snapshot bound to it at hand-off
     * (the empty one if none was), then restores the worker's own context.
     */
    static void runTask(Runnable task) {
        Snapshot snapshot = Propagation.TASKS.forRun(task);
        Propagation.runTask(snapshot == null ? Snapshot.empty() : snapshot, task);
    }

    /** Puts back what a task's begin hook ({@link #beginForkJoinTask}, {@link #beginCompletion}) returned, if anything. */
    static void endTask(Snapshot previous) {
        if (previous != null) {
            Propagation.restore(previous);
        }
    }

    /**
     * {@code ForkJoinTask.doExec} begins: installs the snapshot bound when the task was pushed, or the
     * empty one (a worker helping while it joins must not lend the joining task's context to a task
     * pushed without one). A root task, which runs in its caller, keeps the caller's context, and so
     * does a virtual-thread carrier: its tasks are continuations, submitted by whichever thread
     * unparked the virtual thread. Returns the snapshot to put back with {@link #endTask}, so that
     * what the task sets stays in the task.
     */
    static Snapshot beginForkJoinTask(Object task) {
        ThreadState state = ThreadState.current();
        Snapshot bound = Propagation.TASKS.forRun(task);
        Snapshot previous = Propagation.capture(state);
        if (state.rootTaskPending) {
            state.rootTaskPending = false;
            return previous;
        }
        Class<?> carrier = carrierThreadClass;
        if (carrier != null && carrier.isInstance(Thread.currentThread())) {
            return previous;
        }
        return Propagation.write(state, bound == null ? Snapshot.empty() : bound, previous);
    }

    /**
     * {@code Completion.tryFire(mode)} begins: for a synchronous or nested run (the registering thread
     * right after registration, or the completing thread) installs the registration snapshot, or the
     * empty one; an asynchronous run already runs inside its executor's hand-off and gets nothing.
     */
    static Snapshot beginCompletion(Object completion, int mode) {
        if (mode == COMPLETION_ASYNC) {
            // Claimed, and run once by its executor: a later try by another thread finds it claimed and runs nothing.
            Propagation.COMPLETIONS.remove(completion);
            return null;
        }
        Snapshot bound = Propagation.COMPLETIONS.peek(completion);
        return Propagation.install(bound == null ? Snapshot.empty() : bound);
    }

    /**
     * A Netty {@code DefaultPromise} notifies its listeners ({@code notifyListenersNow}, on the completing
     * thread or its event loop): installs the snapshot of the code that added them, or the empty one.
     */
    static Snapshot beginPromiseNotification(Object promise) {
        Snapshot bound = Propagation.PROMISES.peek(promise);
        return Propagation.install(bound == null ? Snapshot.empty() : bound);
    }

    /**
     * A server runs one inbound request, I/O event or callback inline on its own thread (an event loop,
     * a selector's producer, a connection's thread): that run is a task of its own, which starts with
     * the empty context whatever the thread was left with, and what it sets is gone when it returns or
     * throws. Returns the thread's context, for {@link #endTask}.
     */
    static Snapshot beginInboundDispatch() {
        return Propagation.install(Snapshot.empty());
    }

    /**
     * {@link #beginInboundDispatch} for what one decode of a Netty decoder produced ({@code messages}, a
     * {@code List}); where {@code baggage.in} is set, an HTTP request among them brings in its allowed
     * {@code baggage} entries ({@link ServerBaggage}).
     */
    static Snapshot beginDecodedDispatch(Object messages) throws Throwable {
        Snapshot previous = Propagation.install(Snapshot.empty());
        if (BaggageRules.appliesInbound()) {
            ServerBaggage.applyNetty(messages);
        }
        return previous;
    }

    /**
     * gRPC's server hands a new call's work to its call executor ({@code streamCreatedInternal}, on the
     * transport's thread, with the call's {@code headers}): that dispatch starts empty, with the allowed
     * {@code baggage} entries where {@code baggage.in} is set, and its listener and tasks capture that.
     * Returns the thread's context, for {@link #endTask}.
     */
    static Snapshot beginGrpcServerCall(Object headers) {
        Snapshot previous = Propagation.install(Snapshot.empty());
        if (BaggageRules.appliesInbound() && headers != null) {
            try {
                GrpcBaggage.receiving(headers);
            } catch (Throwable ignored) {
                // the call runs without its baggage
            }
        }
        return previous;
    }

    /**
     * {@link #beginInboundDispatch} for one Kafka record handed to its listener ({@code record}, a
     * {@code ConsumerRecord}); where {@code baggage.in} is set, the record's allowed {@code baggage}
     * entries are set in the listener's context ({@link KafkaBaggage}). A record whose headers cannot be
     * read still runs as its own task.
     */
    static Snapshot beginRecordDispatch(Object record) {
        Snapshot previous = Propagation.install(Snapshot.empty());
        if (BaggageRules.appliesInbound()) {
            try {
                KafkaBaggage.receiving(record);
            } catch (Throwable ignored) {
                // the listener runs without the record's baggage
            }
        }
        return previous;
    }

    /**
     * Work a gRPC call handed over with {@code holder} runs ({@link HandOffs#grpcCallWorkHandedOver}):
     * installs the snapshot bound to it, or the empty one. Returns the thread's context, for {@link #endTask}.
     */
    static Snapshot beginGrpcCallWork(Object holder) {
        Snapshot bound = Propagation.GRPC_CALLS.peek(holder);
        return Propagation.install(bound == null ? Snapshot.empty() : bound);
    }
}
