package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;

/**
 * {@code java.util.Timer}: every {@code schedule} and {@code scheduleAtFixedRate} ends in
 * {@code Timer.sched(task, time, period)}, where the snapshot is bound beside the {@code TimerTask}
 * (kept for every run when {@code period != 0}); the timer thread's {@code mainLoop} runs
 * {@code task.run()} through {@code AgentHooks.runTimerTask}.
 */
final class TimerInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "timer";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("java/util/Timer", MethodHook.on("sched", "#3")
                .enter(Hooks.timerSchedule(Arg.parameter(0), Arg.parameter(2)))
                .exitAlways(Hooks.handOffDone(Arg.parameter(0)))
                .build());
        plan.add("java/util/TimerThread",
                MethodHook.on("mainLoop", null).redirect("java/util/TimerTask", "run", "runTimerTask").build());
    }
}
