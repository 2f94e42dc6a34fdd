package dev.taskctx.agent;

/**
 * The start and end of a new thread's own code: {@code Thread.run()}, the {@code run()} of the
 * application's {@code Thread} subclasses (chosen by {@link Weaver}), {@code Thread.exit()}, and (JDK 21+)
 * {@code VirtualThread.run(Runnable)} and {@code Thread.clearReferences()} (JDK 19+), where a virtual
 * thread's state goes once it has ended. Values of registered thread-locals captured with the snapshot a
 * new thread inherited can only be written on the new thread, which happens at its start; a snapshot
 * it inherited and never read goes at its end.
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
        // The VM calls exit() on a platform thread that ends, where the JDK drops its thread-locals.
        plan.add("java/lang/Thread", MethodHook.on("exit", "()V").enter(Hooks.threadEnded()).build());
        // Virtual threads never call Thread.run() nor exit(): their task runs in VirtualThread.run(Runnable),
        // and they end on their carrier, where the JDK drops their thread-locals (clearReferences, JDK 19+).
        // Nothing is woven at the end of run(Runnable): that frame is on every parked virtual thread's stack.
        MethodHook.Builder virtualRun = MethodHook.on("run", "(Ljava/lang/Runnable;)V").enter(Hooks.threadStarted());
        if (!options.jfrKeys().isEmpty()) {
            // Option jfr alone: a span still open must end on the virtual thread itself, and clearReferences
            // runs on its carrier; the extra frame is then what recording the spans costs a parked thread.
            virtualRun.exitAlways(Hooks.threadEnded());
        }
        plan.add("java/lang/VirtualThread", virtualRun.build());
        plan.add("java/lang/Thread", MethodHook.on("clearReferences", "()V").enter(Hooks.threadReferencesCleared()).build());
    }
}
