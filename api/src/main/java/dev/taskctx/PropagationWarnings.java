package dev.taskctx;

import java.security.CodeSource;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one-line warnings the api prints on stderr when the values set through it cannot follow
 * hand-offs by themselves: the agent is not active, or this copy of the api is not the agent's.
 */
final class PropagationWarnings {

    /** System property; {@code false} suppresses the missing-agent line. */
    static final String WARN_WITHOUT_AGENT = "taskctx.warnWithoutAgent";

    static final String AGENT_MISSING = "taskctx: TaskContext.set was called but the taskctx agent is not active"
            + " in this JVM, so values will not follow tasks handed to executors, threads or timers;"
            + " start the JVM with -javaagent:/path/to/taskctx.jar, or propagate explicitly with"
            + " TaskContext.capture()/Snapshot.wrap()/TaskContext.wrap(executor)"
            + " (-D" + WARN_WITHOUT_AGENT + "=false silences this line)";

    private static final String BOOTSTRAP_CORE = "dev.taskctx.internal.Propagation";

    private static final AtomicBoolean agentMissingDecided = new AtomicBoolean();
    /** This copy is not the agent's: the agent is active, just not for this copy, and that was said already. */
    private static volatile boolean secondCopy;

    private PropagationWarnings() {
    }

    /** {@code TaskContext.set} found the agent inactive: prints the warning on the first call in this JVM only. */
    static void agentMissing() {
        if (agentMissingDecided.get() || !agentMissingDecided.compareAndSet(false, true)) {
            return;
        }
        if (!secondCopy && !"false".equalsIgnoreCase(warnWithoutAgent())) {
            System.err.println(AGENT_MISSING);
        }
    }

    /** The property, or null where a security manager's policy does not let the caller read it. */
    private static String warnWithoutAgent() {
        try {
            return System.getProperty(WARN_WITHOUT_AGENT);
        } catch (SecurityException denied) {
            return null;
        }
    }

    /**
     * Run by {@code TaskContext}'s static initializer. With the agent, the api lives on the bootstrap
     * class path and parent-first loaders all find that one copy; a loader that looks in its own jars
     * first (child-first) defines a second {@code TaskContext} with its own state, which the JDK's
     * instrumented hand-offs never read.
     */
    static void checkSecondCopy(Class<?> api) {
        if (api.getClassLoader() == null) {
            return;
        }
        boolean agentActiveOnBootstrapCopy;
        try {
            Class<?> core = Class.forName(BOOTSTRAP_CORE, false, null);
            agentActiveOnBootstrapCopy = (Boolean) core.getMethod("agentActive").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // No api on the bootstrap class path: no agent, and this copy is the only one.
            return;
        }
        if (!agentActiveOnBootstrapCopy) {
            return;
        }
        secondCopy = true;
        CodeSource source = api.getProtectionDomain().getCodeSource();
        String location = source == null || source.getLocation() == null ? "an unknown location" : source.getLocation().toString();
        System.err.println("taskctx: a second copy of the taskctx api is in use (" + api.getName() + " loaded by "
                + api.getClassLoader() + " from " + location + ") beside the agent's copy on the bootstrap class path;"
                + " values set through it stay in that copy and do not follow hand-offs: let that class loader"
                + " delegate dev.taskctx.* to its parent, or remove taskctx-api from its class path");
    }
}
