package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

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
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder
                .type(named("java.util.concurrent.ScheduledThreadPoolExecutor"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(DelayedExecute.class).on(named("delayedExecute").and(takesArguments(1))))
                        // Re-queueing may start a worker, from inside the task's run.
                        .visit(Advice.to(ForkJoinInstrumentation.PoolInternals.class)
                                .on(named("reExecutePeriodic").and(takesArguments(1)))))
                .type(named("java.util.concurrent.DelayScheduler$ScheduledForkJoinTask"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(ScheduledForkJoinTaskCreated.class).on(isConstructor().and(takesArguments(6)))))
                .type(named("java.util.concurrent.ForkJoinPool"))
                .transform((type, description, loader, module, domain) -> type
                        // The first schedule starts the pool's delay-scheduler thread.
                        .visit(Advice.to(ForkJoinInstrumentation.PoolInternals.class).on(named("startDelayScheduler"))));
    }

    static final class DelayedExecute {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object task) {
            Propagation.handOffScheduled(task);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Object task, @Advice.Thrown Throwable thrown) {
            Propagation.handOffDone(task, thrown);
        }
    }

    static final class ScheduledForkJoinTaskCreated {

        /** Arguments: delay, nextDelay (0 for a one-shot task), isImmediate, runnable, callable, pool. */
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object task, @Advice.Argument(1) long nextDelay) {
            Propagation.bindCurrent(task, nextDelay != 0L);
        }
    }
}
