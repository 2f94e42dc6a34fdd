package dev.taskctx.agent;

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
    public void register(WeavingPlan plan, AgentOptions options) {
        // Only after a normal return: a put that throws has no MDC adapter behind it to carry values from.
        plan.add("org/slf4j/MDC",
                MethodHook.on("put", "(Ljava/lang/String;Ljava/lang/String;)V").includingStatic()
                        .exitOnReturn(Hooks.mdcInUse()).build(),
                MethodHook.on("setContextMap", "(Ljava/util/Map;)V").includingStatic()
                        .exitOnReturn(Hooks.mdcInUse()).build());
    }
}
