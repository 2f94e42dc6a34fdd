package dev.taskctx.agent;

/**
 * (being written) Helidon: where the server runs one inbound request or I/O event inline on its own thread.
 */
final class HelidonInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "helidon";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
    }
}
