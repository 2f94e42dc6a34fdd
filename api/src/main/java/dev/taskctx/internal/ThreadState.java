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
    /** Set by invoke()/invokeAll() until the root task they run in this thread starts; see Propagation.beginForkJoinTask. */
    boolean rootTaskPending;

    /** Coroutines running on this thread, innermost last: their context and the snapshot each replaced. */
    private Object[] coroutines;
    private int coroutineCount;

    ThreadState(Snapshot context) {
        this.context = context;
    }

    void pushCoroutine(Object coroutineContext, Snapshot replaced) {
        Object[] frames = coroutines;
        int at = coroutineCount * 2;
        if (frames == null) {
            frames = new Object[8];
            coroutines = frames;
        } else if (at == frames.length) {
            frames = java.util.Arrays.copyOf(frames, at * 2);
            coroutines = frames;
        }
        frames[at] = coroutineContext;
        frames[at + 1] = replaced;
        coroutineCount++;
    }

    /**
     * Ends the innermost run of the coroutine with {@code coroutineContext} and returns the snapshot it
     * replaced, or null when it is not running here. Runs started after it that never ended (kotlinx
     * defers one restore when thread-context elements are present) end with it.
     */
    Snapshot popCoroutine(Object coroutineContext) {
        Object[] frames = coroutines;
        for (int i = coroutineCount - 1; i >= 0; i--) {
            if (frames[i * 2] == coroutineContext) {
                Snapshot replaced = (Snapshot) frames[i * 2 + 1];
                for (int j = i * 2; j < coroutineCount * 2; j++) {
                    frames[j] = null;
                }
                coroutineCount = i;
                return replaced;
            }
        }
        return null;
    }

    static ThreadState current() {
        return STATE.get();
    }
}
