package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.lang.invoke.VarHandle;
import java.util.Set;

/**
 * New threads: a thread inherits a copy of its creator's snapshot when it is constructed, unless it
 * is infrastructure ({@link InfrastructureThreads}), which starts empty. The copy waits in
 * {@link Propagation#NEW_THREADS} until the thread first uses its state or ends: no thread-local of
 * the creator is copied into a map of the new thread's own, so a thread that inherits nothing costs
 * nothing and one that inherits a context and never reads it one table entry.
 */
public final class NewThreads {

    /** JDK 21+: {@code VirtualThread.cont}, from the agent ({@link #readContinuationsWith}), or null. */
    private static volatile VarHandle continuation;

    /** JDK 21+: the bit of a thread's characteristics that says it inherits no inheritable thread-locals. */
    private static final int NO_INHERIT_THREAD_LOCALS = 1 << 2;

    private NewThreads() {
    }

    /**
     * {@code thread}'s {@code run()} begins. The task context waits for it beside the thread; thread-local
     * values captured with it when the thread was constructed can only be written on the new thread
     * itself, and are written here.
     */
    static void threadStarted(Thread thread) {
        if (ContextSpans.ON && thread == Thread.currentThread()) {
            // Its span of context begins with its own code, not at its first use of the context.
            ThreadState.current();
        }
        if (CarriedThreadLocals.registered().length == 0 || thread != Thread.currentThread()) {
            return;
        }
        ThreadState state = ThreadState.current();
        Snapshot context = state.context;
        if (CarriedThreadLocals.carriesValues(context)) {
            Propagation.write(state, context, null);
            // A run() that calls super.run() comes here twice: the second time finds nothing to write.
            state.context = CarriedThreadLocals.entries(context);
        }
    }

    /**
     * {@code thread} ends ({@code Thread.exit()}, on the thread; with option {@code jfr} also the end of a
     * virtual thread's {@code run(Runnable)}): its span of context, if one is open, ends. A snapshot it inherited and never read goes now, as the JDK drops a
     * finished thread's thread-locals, not when the {@code Thread} object is collected.
     */
    static void threadEnded(Thread thread) {
        if (ContextSpans.ON && thread == Thread.currentThread()) {
            ContextSpans.threadEnds(ThreadState.current());
        }
        Propagation.NEW_THREADS.remove(thread);
    }

    /**
     * JDK 19+: the JDK drops {@code thread}'s thread-locals ({@code Thread.clearReferences()}): a virtual
     * thread's state goes now, on its carrier once its code has finished (a platform thread's went in
     * {@link #threadEnded}). Not at the end of the virtual thread's own {@code run}: code woven there is
     * part of the frame that every parked virtual thread keeps on its heap stack (+18 B per thread,
     * measured with the benchmark's {@code vthreads=300000}).
     */
    static void referencesCleared(Thread thread) {
        if (thread.getClass() == ThreadState.VIRTUAL_THREAD && !VirtualThreadStates.ended(thread)) {
            Propagation.NEW_THREADS.remove(thread);
        }
    }

    /**
     * The constructor of {@code thread} that every other one calls has finished on the current thread
     * (its creator): the thread inherits a copy of the creator's snapshot, taken now, unless the
     * snapshot carries nothing, the creator asked for no inherited thread-locals, or the thread is
     * infrastructure ({@link InfrastructureThreads#startsEmpty}: a pool's worker, a JDK service thread,
     * an excluded class). The copy waits beside the thread until the thread first uses its state: a
     * thread that inherits nothing costs nothing.
     *
     * @param target the task the thread will run, or null (a subclass overriding run())
     */
    static void threadConstructed(Thread thread, Runnable target, boolean inheritsThreadLocals) {
        // A JNI-attached or primordial thread runs its own constructor: it has no creator.
        if (thread == null || thread == Thread.currentThread() || !inheritsThreadLocals) {
            return;
        }
        Snapshot inherited = Propagation.forNewThread(ThreadState.current());
        if (!Propagation.carriesNothing(inherited) && !InfrastructureThreads.startsEmpty(thread, target)
                && !VirtualThreadStates.leave(thread, inherited)) {
            Propagation.NEW_THREADS.put(thread, inherited, false);
        }
    }

    /** {@link #threadConstructed(Thread, Runnable, boolean)} on JDK 21+, whose constructors take the thread's characteristics. */
    static void threadConstructed(Thread thread, Runnable target, int characteristics) {
        threadConstructed(thread, target, (characteristics & NO_INHERIT_THREAD_LOCALS) == 0);
    }

    /**
     * Called by the agent before {@link #configure}, on JDK 21+: the handle of {@code VirtualThread.cont}
     * (the agent's module may read it; this one may not), through which a virtual thread's state is found
     * in its continuation ({@link VirtualThreadStates}). Without it, virtual threads use thread-locals.
     */
    public static void readContinuationsWith(VarHandle handle) {
        continuation = handle;
    }

    /** What {@link #readContinuationsWith} was given, or null. */
    static VarHandle continuationHandle() {
        return continuation;
    }

    /**
     * Prepares {@link #threadConstructed(Thread, Runnable, boolean)} before its hook is installed: resolves
     * the classes the decision needs, so that nothing is loaded inside a Thread constructor.
     *
     * @param excludedClassNames threads of these classes, or running targets of these classes, start empty
     */
    public static void configure(Set<String> excludedClassNames) {
        Propagation.forNewThread(ThreadState.current());
        InfrastructureThreads.configure(excludedClassNames);
        InfrastructureThreads.startsEmpty(Thread.currentThread(), null);
        Propagation.NEW_THREADS.remove(Thread.currentThread());
        VirtualThreadStates.prepare();
    }
}
