package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.lang.invoke.VarHandle;

/**
 * Where a virtual thread keeps its state with the agent (JDK 21+): in the field the agent gives its
 * continuation ({@link ThreadStateCarrier}), not in a thread-local. A virtual thread's first
 * thread-local costs it a map of its own (the map, a 16-slot table and an entry: 136 B), and a parked
 * virtual thread is mostly heap, so that map would be the largest part of what taskctx costs it. The
 * field is in the object the JDK makes with the thread and drops with it, so it costs nothing extra:
 * until the thread first uses its state it holds the snapshot the thread inherited (instead of an
 * entry beside the thread in {@link Propagation#NEW_THREADS}), from then on the {@link ThreadState}.
 *
 * <p>The thread's continuation is read through {@code VirtualThread.cont}, with a handle the agent makes
 * and hands over before it configures the thread hooks ({@link NewThreads#readContinuationsWith}).
 * Without it (no agent, JDK 17, option {@code threads=off}, an application's copy of the api) or without
 * the field (the continuation class loaded before a late attach), every method here answers that it
 * has nothing, and the thread keeps its state in a thread-local as a platform thread does.
 */
final class VirtualThreadStates {

    /**
     * {@code VirtualThread.cont}, or null: only the agent hands it over, to the copy of the core on the
     * bootstrap class path; an application's own copy of the api never reads continuations.
     */
    private static final VarHandle CONTINUATION = NewThreads.continuationHandle();

    private VirtualThreadStates() {
    }

    /**
     * Resolves what {@link #leave} needs before it is called from a thread constructor: this class's
     * handle and the carrier interface. Called after the agent handed the handle over.
     */
    static void prepare() {
        ThreadStateCarrier.class.getName();
    }

    /** The home of virtual thread {@code thread}'s state, or null. */
    private static ThreadStateCarrier home(Thread thread) {
        if (CONTINUATION == null) {
            return null;
        }
        Object continuation = CONTINUATION.get(thread);
        return continuation instanceof ThreadStateCarrier ? (ThreadStateCarrier) continuation : null;
    }

    /**
     * The state of {@code thread}, the current thread and a {@code VirtualThread}, made at its first use
     * from the snapshot it inherited; null if its continuation cannot hold it.
     */
    static ThreadState current(Thread thread) {
        ThreadStateCarrier home = home(thread);
        if (home == null) {
            return null;
        }
        Object held = home.taskctx$threadState();
        if (held instanceof ThreadState) {
            return (ThreadState) held;
        }
        ThreadState state = new ThreadState(held == null ? Snapshot.empty() : (Snapshot) held);
        // Only the thread itself writes the field once it runs, and its creator before it started.
        home.taskctx$casThreadState(held, state);
        return state;
    }

    /**
     * Leaves {@code inherited} for {@code thread}, a virtual thread just constructed, in its
     * continuation; false if that cannot hold it (the caller keeps it beside the thread).
     */
    static boolean leave(Thread thread, Snapshot inherited) {
        if (thread.getClass() != ThreadState.VIRTUAL_THREAD) {
            return false;
        }
        ThreadStateCarrier home = home(thread);
        return home != null && home.taskctx$casThreadState(null, inherited);
    }

    /**
     * Virtual thread {@code thread} has ended: its state goes, as the JDK drops a finished thread's
     * thread-locals. False if its continuation cannot hold a state (the caller looks beside the thread).
     */
    static boolean ended(Thread thread) {
        ThreadStateCarrier home = home(thread);
        if (home == null) {
            return false;
        }
        Object held = home.taskctx$threadState();
        if (held != null) {
            home.taskctx$casThreadState(held, null);
        }
        return true;
    }
}
