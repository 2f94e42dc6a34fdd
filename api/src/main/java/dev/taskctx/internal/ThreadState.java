package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * The per-thread state: the current snapshot (the only mutable context state) and how many
 * hand-offs the thread is inside of, which decides whether a thread it constructs is pool
 * infrastructure.
 */
final class ThreadState {

    private static final ThreadLocal<ThreadState> STATE = new InheritableThreadLocal<>() {
        @Override
        protected ThreadState initialValue() {
            return new ThreadState(Snapshot.empty());
        }

        @Override
        protected ThreadState childValue(ThreadState parent) {
            return Propagation.childState(parent);
        }
    };

    /** The current snapshot; it may still hold thread-local values installed with it, which capture() reads afresh. */
    Snapshot context;
    int handoffDepth;
    /** The state handed to the thread this thread is constructing; consumed by the Thread constructor advice. */
    ThreadState constructedChild;
    /** A registered thread-local accessor is running on this thread (see CarriedThreadLocals). */
    boolean inAccessor;
    /** Set by invoke()/invokeAll() until the root task they run in this thread starts; see TaskRuns.beginForkJoinTask. */
    boolean rootTaskPending;

    /** The coroutines whose code runs on this thread, created at the first resume here; see {@link Coroutines}. */
    CoroutineFrames coroutines;

    ThreadState(Snapshot context) {
        this.context = context;
    }

    static ThreadState current() {
        return STATE.get();
    }
}
