package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * {@code ThreadPoolExecutor} (and every subclass that does not replace {@code execute}): the snapshot
 * is bound beside the task at {@code execute}, and the worker runs the task inside it. The task
 * object is not wrapped, so {@code getQueue()}, {@code remove}, {@code shutdownNow} and
 * {@code beforeExecute}/{@code afterExecute} see what the application submitted; the one exception
 * is an object that is still waiting in a pool with another context when it is handed off again.
 */
final class ThreadPoolExecutorInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "executors";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("java/util/concurrent/ThreadPoolExecutor",
                MethodHook.on("execute", "(Ljava/lang/Runnable;)V")
                        .enter(Hooks.poolExecute(Arg.parameter(0)), Result.REPLACE_PARAMETER)
                        .exitAlways(Hooks.handOffDone(Arg.parameter(0)))
                        .build(),
                // reject() runs the handler on the submitting thread; CallerRunsPolicy runs the task there.
                MethodHook.on("reject", "(Ljava/lang/Runnable;)V")
                        .enter(Hooks.rejectionHandling(Arg.parameter(0)), Result.KEEP)
                        .exitAlways(Hooks.rejectionHandled())
                        .build(),
                // runWorker calls task.run() between beforeExecute and afterExecute.
                MethodHook.on("runWorker", null).redirect("java/lang/Runnable", "run", "runTask").build());
    }
}
