package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * The start of a new thread's own code: {@code Thread.run()}, the {@code run()} of the application's
 * {@code Thread} subclasses, and (JDK 21+) {@code VirtualThread.run(Runnable)}. The task context
 * reaches a new thread through the inheritable thread state; values of registered thread-locals
 * captured with it can only be written on the new thread, which happens here.
 */
final class ThreadStartInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder.type(named("java.lang.Thread")
                        .or(not(nameStartsWith("java.")).and(not(nameStartsWith("jdk.")))
                                .and(not(nameStartsWith("sun."))).and(not(nameStartsWith("com.sun.")))
                                .and(hasSuperClass(named("java.lang.Thread")))))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Run.class).on(named("run").and(takesNoArguments()).and(not(isAbstract())))))
                // Virtual threads never call Thread.run(): their task starts in VirtualThread.run(Runnable).
                .type(named("java.lang.VirtualThread"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Run.class).on(named("run").and(takesArguments(Runnable.class)))));
    }

    static final class Run {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Thread thread) {
            Propagation.threadStarted(thread);
        }
    }
}
