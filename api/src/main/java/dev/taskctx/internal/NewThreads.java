package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.util.Set;

/**
 * New threads: a thread inherits a copy of its creator's snapshot when it is constructed, unless it
 * is infrastructure ({@link InfrastructureThreads}), which starts empty.
 */
public final class NewThreads {

    private NewThreads() {
    }

    /**
     * {@code thread}'s {@code run()} begins. The task context arrived with the inheritable thread state;
     * thread-local values captured beside it when the thread was constructed can only be written on the
     * new thread itself, and are written here.
     */
    static void threadStarted(Thread thread) {
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
     * A constructor of {@code thread} has finished on the current thread (its creator). If the new
     * thread is infrastructure ({@link InfrastructureThreads#startsEmpty}: a pool's worker, a JDK
     * service thread, an excluded class), it drops the snapshot it inherited and starts empty.
     * Idempotent: a thread's nested constructors call it once each, and the first call decides.
     *
     * @param target the task the thread will run, or null (a subclass overriding run())
     */
    static void threadConstructed(Thread thread, Runnable target) {
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

    /**
     * Prepares {@link #threadConstructed(Thread, Runnable)} before its hook is installed: resolves
     * the classes the decision needs, so that nothing is loaded inside a Thread constructor.
     *
     * @param excludedClassNames threads of these classes, or running targets of these classes, start empty
     */
    public static void configure(Set<String> excludedClassNames) {
        ThreadState.current();
        InfrastructureThreads.configure(excludedClassNames);
        InfrastructureThreads.startsEmpty(Thread.currentThread(), null);
    }
}
