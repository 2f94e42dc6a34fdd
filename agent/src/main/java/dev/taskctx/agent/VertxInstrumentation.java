package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * Vert.x core (5.x): where its event loops run a connection's inbound events inline, and the ordered
 * queue behind {@code executeBlocking}.
 *
 * <p>Inbound: every I/O event of a Vert.x connection (HTTP/1 server and client, TCP, WebSocket) reaches
 * it through its {@code VertxHandler}, which the codecs before it call once per decoded message; each
 * runs as a task of its own, starting empty. A pipelined HTTP/1 request that waited for the previous
 * response is not dispatched from there: {@code Http1xServerConnection.responseComplete}, run by the
 * code that ends that response, dispatches it inline through {@code handleNext}, which is a task too.
 * Vert.x's context dispatch ({@code ContextInternal.emit}/{@code dispatch}) is not hooked: it also runs
 * a request's continuations (its promises' listeners inline, its {@code runOnContext} tasks and timers,
 * whose hand-offs carry the request's snapshot).
 *
 * <p>{@code TaskQueue} (ordered {@code executeBlocking}, worker contexts): {@code execute} queues the
 * task and, when the queue is idle, hands one drainer ({@code runner}) to the executor, which runs
 * every task queued meanwhile. As at {@code ThreadPoolExecutor}, the queuing code's snapshot is bound
 * beside the task at {@code execute}, the drainer, handed off inside it, carries nothing, and
 * {@code run()} runs each task inside its own snapshot. Beside, not in a wrapper:
 * {@code WorkerTaskQueue.shutdown} casts the running task to {@code WorkerTask}.
 *
 * <p>Building a Vert.x instance ({@code VertxBootstrapImpl.init}, {@code vertx}, {@code clusteredVertx}:
 * its threads, its blocked-thread checker's timer task) captures nothing, so an instance built inside a
 * request keeps nothing of it. Matched by class name; the agent never links to Vert.x.
 */
final class VertxInstrumentation implements HandOffFamily {

    private static final String HANDLER_CONTEXT = "Lio/netty/channel/ChannelHandlerContext;";

    @Override
    public String name() {
        return "vertx";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("io/vertx/core/net/impl/VertxHandler",
                Hooks.inboundDispatch("channelRead", "(" + HANDLER_CONTEXT + "Ljava/lang/Object;)V"),
                Hooks.inboundDispatch("channelReadComplete", "(" + HANDLER_CONTEXT + ")V"),
                Hooks.inboundDispatch("channelInactive", "(" + HANDLER_CONTEXT + ")V"),
                Hooks.inboundDispatch("channelWritabilityChanged", "(" + HANDLER_CONTEXT + ")V"),
                Hooks.inboundDispatch("exceptionCaught", "(" + HANDLER_CONTEXT + "Ljava/lang/Throwable;)V"),
                Hooks.inboundDispatch("userEventTriggered", "(" + HANDLER_CONTEXT + "Ljava/lang/Object;)V"));
        // Building a Vert.x instance starts its threads and its blocked-thread checker's timer task.
        plan.add("io/vertx/core/impl/VertxBootstrapImpl",
                Hooks.serverStartUp("init", "()Lio/vertx/core/impl/VertxBootstrapImpl;"),
                Hooks.serverStartUp("vertx", "()Lio/vertx/core/Vertx;"),
                Hooks.serverStartUp("clusteredVertx", "()Lio/vertx/core/Future;"));
        plan.add("io/vertx/core/http/impl/Http1xServerConnection",
                Hooks.inboundDispatch("handleNext", "(Lio/vertx/core/http/impl/Http1xServerRequest;)V"));
        plan.add("io/vertx/core/impl/TaskQueue",
                MethodHook.on("execute", "(Ljava/lang/Runnable;Ljava/util/concurrent/Executor;)V")
                        .enter(Hooks.poolExecute(Arg.parameter(0)), Result.REPLACE_PARAMETER)
                        .exitAlways(Hooks.handOffDone(Arg.parameter(0)))
                        .build(),
                // Also a suspended virtual-thread task's resume latch, bound to nothing: it only wakes that thread.
                MethodHook.on("run", "()V").redirect("java/lang/Runnable", "run", "runTask").build());
    }
}
