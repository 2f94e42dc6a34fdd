package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;

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
        // Parameters: delay, nextDelay (0 for a one-shot task), isImmediate, runnable, callable, pool.
        plan.add("java/util/concurrent/DelayScheduler$ScheduledForkJoinTask",
                MethodHook.on("<init>", "#6").exitOnReturn(Hooks.scheduledForkJoinTaskCreated(Arg.parameter(1))).build());
        // The first schedule starts the pool's delay-scheduler thread.
        plan.add("java/util/concurrent/ForkJoinPool", Hooks.poolInternals("startDelayScheduler", null));
    }
}
