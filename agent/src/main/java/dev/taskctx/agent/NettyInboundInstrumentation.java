package dev.taskctx.agent;

/**
 * (being written) NettyInbound: where the server runs one inbound request or I/O event inline on its own thread.
 */
final class NettyInboundInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "netty.inbound";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
    }
}
