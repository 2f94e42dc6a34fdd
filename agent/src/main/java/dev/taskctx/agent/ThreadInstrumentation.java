package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * New threads: a thread inherits its creator's snapshot when it is constructed (the context's
 * inheritable thread-local), and the exit of its constructor lets the propagation core decide
 * whether it is infrastructure that starts empty instead. The advice goes on every constructor
 * that receives the thread's task, because the decision looks at the task: the funnels
 * {@code Thread(ThreadGroup, Runnable, String, long, AccessControlContext, boolean)} (JDK 17),
 * {@code Thread(ThreadGroup, String, int, Runnable, long)} (JDK 25), and the virtual threads'
 * {@code VirtualThread(Executor, String, int, Runnable)} and
 * {@code BoundVirtualThread(String, int, Runnable)}. The outer public constructors get it too;
 * the innermost exit decides and the others find nothing left to do.
 */
final class ThreadInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        // Resolved now: an exception or a class load inside a Thread constructor can take the JVM down.
        Propagation.threadConstructionObserved(options.classNames("threads.exclude"));
        return builder.type(namedOneOf("java.lang.Thread", "java.lang.VirtualThread",
                        "java.lang.ThreadBuilders$BoundVirtualThread"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(TaskSecond.class).on(isConstructor().and(takesArgument(1, Runnable.class))))
                        .visit(Advice.to(TaskThird.class).on(isConstructor().and(takesArgument(2, Runnable.class))))
                        .visit(Advice.to(TaskFourth.class).on(isConstructor().and(takesArgument(3, Runnable.class)))));
    }

    // No onThrowable: ByteBuddy cannot catch around a constructor's super() call. A constructor that
    // throws leaves no thread behind, and its creator's next construction overwrites what it left.

    /** Constructors whose second parameter is the task, as in the JDK 17 funnel. */
    static final class TaskSecond {

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Thread thread, @Advice.Argument(1) Runnable task) {
            Propagation.threadConstructed(thread, task);
        }
    }

    /** Constructors whose third parameter is the task: {@code BoundVirtualThread}. */
    static final class TaskThird {

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Thread thread, @Advice.Argument(2) Runnable task) {
            Propagation.threadConstructed(thread, task);
        }
    }

    /** Constructors whose fourth parameter is the task: the JDK 25 funnel and {@code VirtualThread}. */
    static final class TaskFourth {

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Thread thread, @Advice.Argument(3) Runnable task) {
            Propagation.threadConstructed(thread, task);
        }
    }
}
