package dev.taskctx.agent;

/**
 * (being written) Jetty: where the server runs one inbound request or I/O event inline on its own thread.
 */
final class JettyInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "jetty";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
    }
}
