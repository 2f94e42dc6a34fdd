package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.internal.Propagation;
import java.util.TimerTask;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * {@code java.util.Timer}: every {@code schedule} and {@code scheduleAtFixedRate} ends in
 * {@code Timer.sched(task, time, period)}, where the snapshot is bound beside the {@code TimerTask}
 * (kept for every run when {@code period != 0}); the timer thread's {@code mainLoop} runs
 * {@code task.run()} through {@link Propagation#runTimerTask}.
 */
final class TimerInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "timer";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder
                .type(named("java.util.Timer"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Sched.class).on(named("sched").and(takesArguments(3)))))
                .type(named("java.util.TimerThread"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(CallSiteRedirect.redirect(named("mainLoop"), TimerTask.class, "run",
                                Propagation.class, "runTimerTask")));
    }

    static final class Sched {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object task, @Advice.Argument(2) long period) {
            Propagation.handOff(task, period != 0L);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Object task, @Advice.Thrown Throwable thrown) {
            Propagation.handOffDone(task, thrown);
        }
    }
}
