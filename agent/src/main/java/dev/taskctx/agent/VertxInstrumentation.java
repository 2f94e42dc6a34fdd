package dev.taskctx.agent;

/**
 * (being written) Vertx: where the server runs one inbound request or I/O event inline on its own thread.
 */
final class VertxInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "vertx";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
    }
}
