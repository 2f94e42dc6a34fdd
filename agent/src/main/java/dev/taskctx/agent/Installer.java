package dev.taskctx.agent;

import dev.taskctx.internal.Propagation;
import java.lang.instrument.Instrumentation;
import java.util.List;

/**
 * Installs the enabled hand-off families: one {@link Weaver} registered with retransformation, and
 * the classes that were loaded before the agent and need weaving retransformed one by one, so that
 * JDK classes loaded early are instrumented the same way as those loaded later. Nothing but the JDK
 * and ASM's reader and writer is loaded to do it.
 */
public final class Installer {

    private static final List<HandOffFamily> FAMILIES = List.of(
            new ThreadPoolExecutorInstrumentation(),
            new ExecutorInstrumentation(),
            new ForkJoinInstrumentation(),
            new CompletableFutureInstrumentation(),
            new ScheduledExecutorInstrumentation(),
            new TimerInstrumentation(),
            new ThreadInstrumentation(),
            new ThreadStartInstrumentation(),
            new MdcInstrumentation());

    private Installer() {
    }

    /** Called reflectively by {@code AgentLauncher} from the agent's own class loader. */
    public static void install(String arguments, Instrumentation instrumentation, boolean lateAttach) {
        long started = System.nanoTime();
        AgentOptions options = AgentOptions.parse(arguments);
        WeavingPlan plan = new WeavingPlan();
        StringBuilder enabled = new StringBuilder();
        for (HandOffFamily family : FAMILIES) {
            if (options.on(family.name())) {
                family.register(plan, options);
                if (enabled.indexOf(family.name()) < 0) {
                    enabled.append(enabled.length() == 0 ? "" : ", ").append(family.name());
                }
            }
        }
        Weaver weaver = new Weaver(plan, options.debug());
        if (!plan.isEmpty()) {
            instrumentation.addTransformer(weaver, true);
            for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
                if (instrumentation.isModifiableClass(loaded) && weaver.wants(loaded)) {
                    try {
                        instrumentation.retransformClasses(loaded);
                    } catch (Throwable error) {
                        weaver.report(loaded.getName(), error);
                    }
                }
            }
        }
        Propagation.agentStarted(options.on("threads"));
        if (options.debug()) {
            System.err.println("taskctx: agent active" + (lateAttach ? " (attached late)" : "")
                    + "; hand-off families: " + enabled
                    + "; installed in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }
}
