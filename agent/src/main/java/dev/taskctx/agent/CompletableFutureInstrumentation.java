package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.Snapshot;
import dev.taskctx.internal.Propagation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code CompletableFuture} dependent stages. Async stages are tasks handed to an executor (the
 * common pool, a given executor, JDK 17's thread-per-task executor) and propagate through it. A
 * dependent stage registered on an incomplete future is a {@code Completion} pushed on the future's
 * stack ({@code unipush}, {@code bipush}, {@code orpush}): the registering code's snapshot is bound
 * to it there, and installed around {@code tryFire} when the completing thread (or the registering
 * thread, if the future completed meanwhile) fires it, so that the callback, and any async stage it
 * hands on, runs in the registering code's context.
 */
final class CompletableFutureInstrumentation implements HandOffFamily {

    private static final String FUTURE = "java.util.concurrent.CompletableFuture";

    @Override
    public String name() {
        return "completablefuture";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        ElementMatcher.Junction<MethodDescription> tryFire = named("tryFire").and(takesArguments(int.class))
                .and(not(isAbstract()));
        return builder
                .type(named(FUTURE))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(RegisterOne.class).on(named("unipush").and(takesArguments(1))))
                        .visit(Advice.to(RegisterTwo.class).on(namedOneOf("bipush", "orpush").and(takesArguments(2)))))
                // The Completion subclasses; a Signaller only wakes a thread blocked in get()/join().
                .type(nameStartsWith(FUTURE + "$").and(not(named(FUTURE + "$Signaller"))).and(declaresMethod(tryFire)))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(TryFire.class).on(tryFire)));
    }

    static final class RegisterOne {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object completion) {
            Propagation.completionRegistered(completion);
        }
    }

    static final class RegisterTwo {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(1) Object completion) {
            Propagation.completionRegistered(completion);
        }
    }

    static final class TryFire {

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Snapshot enter(@Advice.This Object completion, @Advice.Argument(0) int mode) {
            return Propagation.beginCompletion(completion, mode);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Snapshot previous) {
            Propagation.endTask(previous);
        }
    }
}
