package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.util.Map;

/**
 * The per-thread state: the current snapshot (the only mutable context state) and how many
 * hand-offs the thread is inside of, which decides whether a thread it constructs is pool
 * infrastructure.
 */
final class ThreadState {

    /**
     * Not inheritable: an inherited thread-local costs every new thread a map of its own (a table of
     * 16 slots, an entry and the state, about 170 B) whether or not it inherits a context. A thread's
     * state is made at its first use, on the thread itself, from the snapshot its creator left for it
     * ({@link Propagation#inheritedBy}). A virtual thread keeps its state in its continuation instead
     * where it can ({@link #current()}).
     */
    private static final ThreadLocal<ThreadState> STATE = new ThreadLocal<>() {
        @Override
        protected ThreadState initialValue() {
            return new ThreadState(Propagation.inheritedBy(Thread.currentThread()));
        }
    };

    /**
     * {@code java.lang.VirtualThread} in the agent's copy of the core, on the bootstrap class path; null on
     * JDK 17 and in an application's own copy of the api. Such a copy, loaded before a late attach, must
     * not reach {@link VirtualThreadStates}: a class it had not loaded yet would resolve to the agent's
     * copy, which its package-private calls cannot access ({@code LateAttachTest}). Here, not in
     * {@link VirtualThreadStates}, so that a platform thread's look-up does not initialize that class
     * before the agent has set it up.
     */
    static final Class<?> VIRTUAL_THREAD = ThreadState.class.getClassLoader() == null
            ? InfrastructureThreads.bootstrapClass("java.lang.VirtualThread") : null;

    /** The current snapshot; it may still hold thread-local values installed with it, which capture() reads afresh. */
    Snapshot context;
    int handoffDepth;
    /** A registered thread-local accessor is running on this thread (see CarriedThreadLocals). */
    boolean inAccessor;
    /** Set by invoke()/invokeAll() until the root task they run in this thread starts; see TaskRuns.beginForkJoinTask. */
    boolean rootTaskPending;

    /**
     * The {@code baggage.out} entries of the code calling an Apache HttpClient 5 async client's
     * {@code execute} on this thread, until that execution's first hop takes them; else null
     * ({@link ApacheAsyncClientBaggage}).
     */
    Map<String, Object> executingBaggage;

    /** The coroutines whose code runs on this thread, created at the first resume here; see {@link Coroutines}. */
    CoroutineFrames coroutines;

    /** The span of context this thread is in, while spans are recorded ({@link ContextSpans}); else null. */
    ContextSpans.OpenSpan span;

    /** Made on the thread itself, at its first use of its state. */
    ThreadState(Snapshot context) {
        this.context = context;
        if (ContextSpans.ON) {
            ContextSpans.contextChanged(this);
        }
    }

    /**
     * The current thread's state: a virtual thread's in its continuation where the agent gave that a
     * field ({@link VirtualThreadStates}), every other thread's in a thread-local.
     */
    static ThreadState current() {
        Thread thread = Thread.currentThread();
        if (thread.getClass() == VIRTUAL_THREAD) {
            ThreadState state = VirtualThreadStates.current(thread);
            if (state != null) {
                return state;
            }
        }
        return STATE.get();
    }
}
