package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * Scheduled executors. {@code ScheduledThreadPoolExecutor} bypasses {@code ThreadPoolExecutor.execute}:
 * every {@code schedule*}, {@code execute} and {@code submit} queues the (decorated) task in
 * {@code delayedExecute}, where the snapshot is bound beside it, kept for every run of a periodic task
 * (re-queued as the same object by {@code reExecutePeriodic}); the worker runs it through the
 * {@code runWorker} redirect of {@link ThreadPoolExecutorInstrumentation}. JDK 25's {@code ForkJoinPool}
 * schedules a {@code DelayScheduler$ScheduledForkJoinTask}, created by the scheduling thread, which
 * binds its snapshot when constructed; its runs go through {@link ForkJoinInstrumentation}.
 */
final class ScheduledExecutorInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "scheduled";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("java/util/concurrent/ScheduledThreadPoolExecutor",
                MethodHook.on("delayedExecute", "#1")
                        .enter(Hooks.scheduledExecute(Arg.parameter(0)))
                        .exitAlways(Hooks.handOffDone(Arg.parameter(0)))
                        .build(),
                // Re-queueing may start a worker, from inside the task's run.
                Hooks.poolInternals("reExecutePeriodic", "#1"));
        // Every other ScheduledExecutorService (Netty's event loops, Tomcat's, the application's): the task
        // is bound where it is scheduled, for every run, whatever the implementation does with it.
        plan.applicationScheduledExecutors.add(scheduled("schedule", "(Ljava/lang/Runnable;JLjava/util/concurrent/TimeUnit;)",
                Hooks.executorExecute(Arg.parameter(0))));
        plan.applicationScheduledExecutors.add(scheduled("schedule", "(Ljava/util/concurrent/Callable;JLjava/util/concurrent/TimeUnit;)",
                Hooks.scheduleCallable(Arg.parameter(0))));
        for (String periodic : new String[] {"scheduleAtFixedRate", "scheduleWithFixedDelay"}) {
            plan.applicationScheduledExecutors.add(scheduled(periodic, "(Ljava/lang/Runnable;JJLjava/util/concurrent/TimeUnit;)",
                    Hooks.executorExecute(Arg.parameter(0))));
        }
        // Parameters: delay, nextDelay (0 for a one-shot task), isImmediate, runnable, callable, pool.
        plan.add("java/util/concurrent/DelayScheduler$ScheduledForkJoinTask",
                MethodHook.on("<init>", "#6").exitOnReturn(Hooks.scheduledForkJoinTaskCreated(Arg.parameter(1))).build());
        // The first schedule starts the pool's delay-scheduler thread.
        plan.add("java/util/concurrent/ForkJoinPool", Hooks.poolInternals("startDelayScheduler", null));
    }

    private static MethodHook scheduled(String method, String parameters, MethodHook.Call bind) {
        return MethodHook.on(method, parameters)
                .enter(bind, Result.REPLACE_PARAMETER)
                .exitAlways(Hooks.handOffDone(Arg.NULL))
                .build();
    }
}
