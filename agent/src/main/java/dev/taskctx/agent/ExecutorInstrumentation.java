package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * Every other {@code Executor.execute}: the application's own executors and third-party ones, whose
 * queues and threads the agent cannot see, get the task bound to its snapshot in a
 * {@code SnapshotRunnable}. Which application classes are executors is decided by {@link Weaver}
 * (concrete classes below {@code java.util.concurrent.Executor}, except subclasses of the pools
 * instrumented at their own hand-off points). JDK executors are instrumented where they keep the task
 * (the pools) or delegate to one (the {@code Executors} wrappers), except the JDK's thread-per-task
 * executors, which start a thread inside {@code execute}.
 */
final class ExecutorInstrumentation implements HandOffFamily {

    /** JDK executors that hand each task to a new thread from inside execute(). */
    private static final String[] JDK_THREAD_PER_TASK = {
        "java/util/concurrent/ThreadPerTaskExecutor",
        "java/util/concurrent/CompletableFuture$ThreadPerTaskExecutor",
    };

    @Override
    public String name() {
        return "executors";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        MethodHook execute = MethodHook.on("execute", "(Ljava/lang/Runnable;)V")
                .enter(Hooks.executorExecute(Arg.parameter(0)), Result.REPLACE_PARAMETER)
                .exitAlways(Hooks.handOffDone(Arg.NULL))
                .build();
        plan.applicationExecutors.add(execute);
        plan.excludedExecutors.addAll(options.classNames("executors.exclude"));
        for (String executor : JDK_THREAD_PER_TASK) {
            plan.add(executor, execute);
        }
    }
}
