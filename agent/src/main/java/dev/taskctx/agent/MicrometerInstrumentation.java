package dev.taskctx.agent;

/**
 * Agent option {@code micrometer}: Micrometer context-propagation's {@code ContextRegistry}, in whichever
 * class loader the application has it, tells the propagation core whenever a {@code ThreadLocalAccessor}
 * is registered or removed (also while its static initialiser loads those found by {@code ServiceLoader});
 * from then on the global registry's accessors travel with the task context. taskctx itself never loads
 * or links Micrometer, so an application without it is unaffected.
 */
final class MicrometerInstrumentation implements HandOffFamily {

    private static final String REGISTRY = "io/micrometer/context/ContextRegistry";

    @Override
    public String name() {
        return "micrometer";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        // The other register/remove overloads funnel into these two.
        plan.add(REGISTRY,
                MethodHook.on("registerThreadLocalAccessor", "(Lio/micrometer/context/ThreadLocalAccessor;)")
                        .exitOnReturn(Hooks.micrometerRegistryChanged()).build(),
                MethodHook.on("removeThreadLocalAccessor", "(Ljava/lang/Object;)Z")
                        .exitOnReturn(Hooks.micrometerRegistryChanged()).build());
    }
}
