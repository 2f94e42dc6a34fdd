package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Call;
import dev.taskctx.internal.NewThreads;

/**
 * New threads: the exit of the constructor that every other constructor of a thread calls lets the
 * propagation core leave a copy of the creator's snapshot beside the new thread, unless the thread is
 * infrastructure that starts empty or its creator asked for no inherited thread-locals. That
 * constructor receives the thread's task and whether thread-locals are inherited: on JDK 17
 * {@code Thread(ThreadGroup, Runnable, String, long, AccessControlContext, boolean)}; on JDK 21+ the
 * thread's characteristics, in {@code Thread(ThreadGroup, String, int, Runnable, long)} (21 to 23 with
 * an {@code AccessControlContext} after them) and in the virtual threads' own
 * {@code VirtualThread(Executor, String, int, Runnable)} and {@code BoundVirtualThread(String, int, Runnable)}.
 * One call per thread.
 *
 * <p>A virtual thread's continuation ({@code VirtualThread$VThreadContinuation}, which loads after the
 * agent) gets a field for the thread's state, so that a virtual thread needs no thread-local map of its
 * own: the inherited snapshot waits there, and the thread's state lives there once it is used (api
 * {@code VirtualThreadStates}; {@link Installer} hands the core the handle that finds it).
 */
final class ThreadInstrumentation implements HandOffFamily {

    private static final String THREAD = "java/lang/Thread";
    static final String VIRTUAL_THREAD_CONTINUATION = "java/lang/VirtualThread$VThreadContinuation";

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        // Resolved now: an exception or a class load inside a Thread constructor can take the JVM down.
        NewThreads.configure(options.classNames("threads.exclude"));
        add(plan, THREAD, "(Ljava/lang/ThreadGroup;Ljava/lang/Runnable;Ljava/lang/String;J"
                + "Ljava/security/AccessControlContext;Z)V", 1, Hooks.threadConstructed(Arg.parameter(1), Arg.parameter(5)));
        add(plan, THREAD, "(Ljava/lang/ThreadGroup;Ljava/lang/String;ILjava/lang/Runnable;J)V", 3,
                Hooks.threadConstructedWithCharacteristics(Arg.parameter(3), Arg.parameter(2)));
        add(plan, THREAD, "(Ljava/lang/ThreadGroup;Ljava/lang/String;ILjava/lang/Runnable;J"
                + "Ljava/security/AccessControlContext;)V", 3,
                Hooks.threadConstructedWithCharacteristics(Arg.parameter(3), Arg.parameter(2)));
        add(plan, "java/lang/VirtualThread", "(Ljava/util/concurrent/Executor;Ljava/lang/String;ILjava/lang/Runnable;)V",
                3, Hooks.threadConstructedWithCharacteristics(Arg.parameter(3), Arg.parameter(2)));
        add(plan, "java/lang/ThreadBuilders$BoundVirtualThread", "(Ljava/lang/String;ILjava/lang/Runnable;)V", 2,
                Hooks.threadConstructedWithCharacteristics(Arg.parameter(2), Arg.parameter(1)));
        if (Runtime.version().feature() >= 21) {
            // Where the agent can read it (Installer): JDK 19 and 20 have the class but not the access.
            plan.addField(VIRTUAL_THREAD_CONTINUATION, BindingField.THREAD_STATE);
        }
    }

    // Normal returns only: a constructor that throws leaves no thread behind.
    private static void add(WeavingPlan plan, String type, String descriptor, int task, Call call) {
        plan.add(type, MethodHook.on("<init>", descriptor).runnableAt(task).exitOnReturn(call).build());
    }
}
