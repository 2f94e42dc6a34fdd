package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

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
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder.type(named("java.util.concurrent.ThreadPoolExecutor"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Execute.class).on(named("execute").and(takesArguments(Runnable.class))))
                        // reject() runs the handler on the submitting thread; CallerRunsPolicy runs the task there.
                        .visit(Advice.to(Reject.class).on(named("reject").and(takesArguments(Runnable.class))))
                        // runWorker calls task.run() between beforeExecute and afterExecute.
                        .visit(CallSiteRedirect.redirect(named("runWorker"), Runnable.class, "run",
                                Propagation.class, "runTask")));
    }

    static final class Execute {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = Propagation.handOffToPool(task);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Runnable task, @Advice.Thrown Throwable thrown) {
            Propagation.handOffDone(task, thrown);
        }
    }

    static final class Reject {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter() {
            return Propagation.rejectionHandling();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object suspended) {
            Propagation.rejectionHandled(suspended);
        }
    }
}
