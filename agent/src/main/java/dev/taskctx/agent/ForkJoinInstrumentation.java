package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * {@code ForkJoinPool} and {@code ForkJoinTask}: every submission and every {@code fork()} ends in
 * {@code WorkQueue.push} (JDK 17: also {@code ForkJoinPool.externalPush}, which pushes and then
 * signals), where the snapshot is bound beside the task; {@code ForkJoinTask.doExec} installs it.
 * The task object is never wrapped, so {@code join}, {@code tryUnfork} and the queues see what was
 * forked.
 */
final class ForkJoinInstrumentation implements HandOffFamily {

    private static final String POOL = "java/util/concurrent/ForkJoinPool";

    @Override
    public String name() {
        return "forkjoin";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add(POOL + "$WorkQueue", push("push", null));
        plan.add(POOL,
                push("externalPush", "#1"),
                // signalWork and tryCompensate (a join that blocks) create workers from inside a task.
                Hooks.poolInternals("createWorker", null));
        plan.add("java/util/concurrent/ForkJoinTask",
                MethodHook.on("doExec", "#0")
                        .enter(Hooks.beginForkJoinTask(), Result.KEEP)
                        .exitAlways(Hooks.endTask())
                        .build(),
                // These run their (first) task with doExec in the caller; it is never pushed.
                rootInvoke("invoke"), rootInvoke("quietlyInvoke"), rootInvoke("invokeAll"));
    }

    private static MethodHook rootInvoke(String method) {
        return MethodHook.on(method, null).includingStatic()
                .enter(Hooks.rootTaskBegins())
                .exitAlways(Hooks.rootTaskEnds())
                .build();
    }

    private static MethodHook push(String method, String descriptor) {
        return MethodHook.on(method, descriptor)
                .enter(Hooks.forkJoinPush(Arg.parameter(0)))
                .exitAlways(Hooks.handOffDone(Arg.parameter(0)))
                .build();
    }
}
