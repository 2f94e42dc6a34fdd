package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.taskctx.internal.Propagation;
import java.util.Map;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Agent option {@code mdc}: SLF4J's {@code org.slf4j.MDC}, in whichever class loader the application
 * has it, tells the propagation core it is in use when a value is first put into it; from then on its
 * values travel with the task context. taskctx itself never loads or links SLF4J, so an application
 * without it is unaffected.
 */
final class MdcInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "mdc";
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, AgentOptions options) {
        return builder.type(named("org.slf4j.MDC"))
                .transform((type, description, loader, module, domain) -> type
                        .visit(Advice.to(Put.class).on(named("put").and(takesArguments(String.class, String.class))
                                .or(named("setContextMap").and(takesArguments(Map.class))))));
    }

    static final class Put {

        // Only after a normal return: a put that throws has no MDC adapter behind it to carry values from.
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Origin Class<?> mdc) {
            Propagation.mdcInUse(mdc);
        }
    }
}
