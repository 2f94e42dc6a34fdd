package dev.taskctx.agent;

/**
 * (being written) Undertow: where the server runs one inbound request or I/O event inline on its own thread.
 */
final class UndertowInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "undertow";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
    }
}
