package dev.taskctx.agent;

/**
 * The start of a new thread's own code: {@code Thread.run()}, the {@code run()} of the application's
 * {@code Thread} subclasses (chosen by {@link Weaver}), and (JDK 21+) {@code VirtualThread.run(Runnable)}.
 * The task context reaches a new thread through the inheritable thread state; values of registered
 * thread-locals captured with it can only be written on the new thread, which happens here.
 */
final class ThreadStartInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        MethodHook run = MethodHook.on("run", "()V").enter(Hooks.threadStarted()).build();
        plan.add("java/lang/Thread", run);
        plan.applicationThreads.add(run);
        // Virtual threads never call Thread.run(): their task starts in VirtualThread.run(Runnable).
        plan.add("java/lang/VirtualThread",
                MethodHook.on("run", "(Ljava/lang/Runnable;)V").enter(Hooks.threadStarted()).build());
    }
}
