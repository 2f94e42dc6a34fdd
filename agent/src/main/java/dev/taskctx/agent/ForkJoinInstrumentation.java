package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.Snapshot;
import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * {@code ForkJoinPool} and {@code ForkJoinTask}: every submission and every {@code fork()} ends in
 * {@code WorkQueue.push} (JDK 17: also {@code ForkJoinPool.externalPush}, which pushes and then
 * signals), where the snapshot is bound beside the task; {@code ForkJoinTask.doExec} installs it.
 * The task object is never wrapped, so {@code join}, {@code tryUnfork} and the queues see what was
 * forked.
 */
final class ForkJoinInstrumentation implements HandOffFamily {

    private static final String POOL = "java.util.concurrent.ForkJoinPool";

    @Override
    public String name() {
        return "forkjoin";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder
                .type(named(POOL + "$WorkQueue"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Push.class).on(named("push"))))
                .type(named(POOL))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Push.class).on(named("externalPush").and(takesArguments(1))))
                        // signalWork and tryCompensate (a join that blocks) create workers from inside a task.
                        .visit(Advice.to(PoolInternals.class).on(named("createWorker"))))
                .type(named("java.util.concurrent.ForkJoinTask"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Exec.class).on(named("doExec").and(takesArguments(0))))
                        // These run their (first) task with doExec in the caller; it is never pushed.
                        .visit(Advice.to(RootInvoke.class).on(namedOneOf("invoke", "quietlyInvoke", "invokeAll"))));
    }

    static final class Push {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object task) {
            Propagation.handOff(task, false);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Object task, @Advice.Thrown Throwable thrown) {
            Propagation.handOffDone(task, thrown);
        }
    }

    static final class PoolInternals {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            Propagation.enterPoolInternals();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            Propagation.exitPoolInternals();
        }
    }

    static final class Exec {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Snapshot enter(@Advice.This Object task) {
            return Propagation.beginForkJoinTask(task);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Snapshot previous) {
            Propagation.endTask(previous);
        }
    }

    static final class RootInvoke {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            Propagation.rootTaskBegins();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            Propagation.rootTaskEnds();
        }
    }
}
