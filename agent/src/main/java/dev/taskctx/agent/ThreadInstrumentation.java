package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.internal.NewThreads;

/**
 * New threads: a thread inherits its creator's snapshot when it is constructed (the context's
 * inheritable thread-local), and the exit of its constructor lets the propagation core decide
 * whether it is infrastructure that starts empty instead. The hook goes on every constructor
 * that receives the thread's task, because the decision looks at the task: the funnels
 * {@code Thread(ThreadGroup, Runnable, String, long, AccessControlContext, boolean)} (JDK 17),
 * {@code Thread(ThreadGroup, String, int, Runnable, long)} (JDK 25), and the virtual threads'
 * {@code VirtualThread(Executor, String, int, Runnable)} and
 * {@code BoundVirtualThread(String, int, Runnable)}. The outer public constructors get it too;
 * the innermost exit decides and the others find nothing left to do.
 */
final class ThreadInstrumentation implements HandOffFamily {

    private static final String[] THREAD_CLASSES = {
        "java/lang/Thread", "java/lang/VirtualThread", "java/lang/ThreadBuilders$BoundVirtualThread",
    };

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        // Resolved now: an exception or a class load inside a Thread constructor can take the JVM down.
        NewThreads.configure(options.classNames("threads.exclude"));
        for (String type : THREAD_CLASSES) {
            // Normal returns only: a constructor that throws leaves no thread behind, and its creator's
            // next construction overwrites what it left.
            for (int index = 1; index <= 3; index++) {
                plan.add(type, MethodHook.on("<init>", null).runnableAt(index)
                        .exitOnReturn(Hooks.threadConstructed(Arg.parameter(index)))
                        .build());
            }
        }
    }
}
