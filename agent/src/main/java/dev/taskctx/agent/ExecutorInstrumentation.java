package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.internal.Propagation;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Every other {@code Executor.execute}: the application's own executors and third-party ones, whose
 * queues and threads the agent cannot see, get the task bound to its snapshot in a
 * {@code SnapshotRunnable}. JDK executors are instrumented where they keep the task (the pools) or
 * delegate to one (the {@code Executors} wrappers), except the JDK's thread-per-task executors,
 * which start a thread inside {@code execute}.
 */
final class ExecutorInstrumentation implements HandOffFamily {

    /** JDK executors that hand each task to a new thread from inside execute(). */
    private static final String[] JDK_THREAD_PER_TASK = {
        "java.util.concurrent.ThreadPerTaskExecutor",
        "java.util.concurrent.CompletableFuture$ThreadPerTaskExecutor",
    };

    @Override
    public String name() {
        return "executors";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        Set<String> excluded = options.classNames("executors.exclude");
        // Names first: every class the JVM loads passes here, and only a name costs nothing to check.
        ElementMatcher.Junction<TypeDescription> applicationExecutors = not(nameStartsWith("java."))
                .and(not(nameStartsWith("jdk.")))
                .and(not(nameStartsWith("sun.")))
                .and(not(nameStartsWith("com.sun.")))
                .and(not(namedOneOf(excluded.toArray(new String[0]))))
                .and(not(isInterface()))
                .and(not(isSynthetic()))
                .and(hasSuperType(named("java.util.concurrent.Executor")))
                // Pools instrumented at their own hand-off points keep task identity.
                .and(not(hasSuperType(namedOneOf("java.util.concurrent.ThreadPoolExecutor",
                        "java.util.concurrent.ForkJoinPool"))));
        return builder.type(applicationExecutors.or(namedOneOf(JDK_THREAD_PER_TASK)))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Execute.class).on(named("execute")
                                .and(takesArguments(Runnable.class)).and(not(isAbstract())))));
    }

    static final class Execute {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = Propagation.wrapForHandOff(task);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Thrown Throwable thrown) {
            Propagation.handOffDone(null, thrown);
        }
    }
}
