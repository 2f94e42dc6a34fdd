package dev.taskctx.bootstrap;

import java.lang.instrument.Instrumentation;

/**
 * What {@link AgentLauncher} starts in the agent's own class loader. The implementation registers
 * itself when its class is initialised, so the launcher calls it without reflection: on JDK 21 and
 * later a reflective call spins method-handle classes, milliseconds of every JVM's start-up.
 */
public abstract class AgentEntry {

    private static volatile AgentEntry registered;

    /** Registers this entry; called once, from the implementation's static initialiser. */
    protected AgentEntry() {
        registered = this;
    }

    /** The registered entry, or {@code null} if none was initialised. */
    static AgentEntry registered() {
        return registered;
    }

    /**
     * Installs the agent.
     *
     * @param arguments the agent options, or {@code null}
     * @param instrumentation the JVM's instrumentation
     * @param lateAttach whether the agent was attached to a running JVM
     */
    public abstract void install(String arguments, Instrumentation instrumentation, boolean lateAttach);
}
