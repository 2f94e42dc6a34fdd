package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;

/**
 * Netty servers (plain Netty, Reactor Netty, Spring WebFlux on it): handlers run inline on the channel's
 * event loop, and so does a reactive handler subscribed in {@code channelRead}; each inbound event is a
 * task of its own. Every event a transport raises (read, read-complete, connect or accept, close,
 * writability, input shutdown, read failure) enters the pipeline through one of
 * {@code DefaultChannelPipeline}'s final {@code fire*} methods, for NIO, epoll, local and embedded
 * channels, in Netty 4.1 and 4.2 alike; {@code ctx.fire*} then carries it along the handlers within that
 * task. The pipeline, not the loop, is the boundary: the loop also runs tasks, which keep their
 * submitter's context. Only the {@code ChannelPipeline}-returning forms are hooked: the bridges call
 * them. A decoder ({@code ByteToMessageDecoder}: HTTP's, TLS's, any frame decoder) hands the messages
 * of one decode on in one call of its static {@code fireChannelRead}; HTTP/1.1's decodes one request at
 * a time, so each call is a task too, and requests pipelined in one read start empty one by one; with
 * {@code baggage.in}, an HTTP request among the messages brings in its allowed {@code baggage} entries.
 * Matched by class name; the agent never links to Netty.
 */
final class NettyInboundInstrumentation implements HandOffFamily {

    private static final String PIPELINE = "Lio/netty/channel/ChannelPipeline;";

    @Override
    public String name() {
        return "netty.inbound";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("io/netty/channel/DefaultChannelPipeline",
                Hooks.inboundDispatch("fireChannelRegistered", "()" + PIPELINE),
                Hooks.inboundDispatch("fireChannelUnregistered", "()" + PIPELINE),
                Hooks.inboundDispatch("fireChannelActive", "()" + PIPELINE),
                Hooks.inboundDispatch("fireChannelInactive", "()" + PIPELINE),
                Hooks.inboundDispatch("fireExceptionCaught", "(Ljava/lang/Throwable;)" + PIPELINE),
                Hooks.inboundDispatch("fireUserEventTriggered", "(Ljava/lang/Object;)" + PIPELINE),
                Hooks.inboundDispatch("fireChannelRead", "(Ljava/lang/Object;)" + PIPELINE),
                Hooks.inboundDispatch("fireChannelReadComplete", "()" + PIPELINE),
                Hooks.inboundDispatch("fireChannelWritabilityChanged", "()" + PIPELINE));
        // One read may hold several pipelined requests, which the decoder hands on one after another
        // inside that one event: each batch a decode produced (one request, with its last content) is a
        // task of its own, so that a request never starts with what the previous one in the read set.
        plan.add("io/netty/handler/codec/ByteToMessageDecoder", Hooks.decodedDispatch("fireChannelRead", Arg.parameter(1)));
    }
}
