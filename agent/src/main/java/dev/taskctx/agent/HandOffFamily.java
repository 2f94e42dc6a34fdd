package dev.taskctx.agent;

import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * One family of hand-off points (executors, fork/join, threads, ...): its type matchers, method
 * matchers and advice, registered on the agent builder when the family is enabled.
 */
interface HandOffFamily {

    /** The family's name in agent options ({@code <name>=off} turns it off). */
    String name();

    /** Adds this family's transformations to {@code builder}. */
    AgentBuilder instrument(AgentBuilder builder, AgentOptions options);
}
