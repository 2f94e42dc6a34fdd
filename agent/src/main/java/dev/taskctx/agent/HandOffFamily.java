package dev.taskctx.agent;

/**
 * One family of hand-off points (executors, fork/join, threads, ...): the classes and methods it
 * instruments and the hooks it adds, registered in the weaving plan when the family is enabled.
 */
interface HandOffFamily {

    /** The family's name in agent options ({@code <name>=off} turns it off). */
    String name();

    /** Adds this family's hooks to {@code plan}. */
    void register(WeavingPlan plan, AgentOptions options);
}
