package dev.taskctx.agent;

/**
 * Undertow and the XNIO transport under it: each I/O event and each HTTP/1.1 request started runs as
 * a task that begins empty. An XNIO I/O thread's selector loop ({@code WorkerThread.run}) hands each
 * ready key to its {@code NioHandle.handleReady}; inside that call run a non-blocking handler (accept,
 * read, parse, root handler, response) and the callbacks it left for later I/O (a request body's
 * receiver, a write's completion). {@code HttpReadListener.handleEventWithNoRunningRequest}, which
 * parses and starts a request, also runs outside an I/O event: for a pipelined request,
 * {@code exchangeComplete} hands the listener as a task to the I/O thread, or from a worker to the
 * worker pool, bound to the context of the request that just finished. Not
 * {@code Connectors.executeRootHandler}: a handler given to {@code exchange.dispatch} runs through it
 * as an executor task, and keeps the context of the code that dispatched it, as every executor task
 * does. {@code Undertow.start}, which builds the XNIO worker and its threads, captures nothing: a server
 * started inside a request keeps nothing of it. Matched by class name; the agent never links to Undertow
 * or XNIO.
 */
final class UndertowInstrumentation implements HandOffFamily {

    /** Every {@code org.xnio.nio.NioHandle}: handleReady is abstract there, so each is named. */
    private static final String[] NIO_HANDLES = {
        "org/xnio/nio/NioSocketConduit",
        "org/xnio/nio/NioTcpServerHandle",
        "org/xnio/nio/NioPipeSourceConduit",
        "org/xnio/nio/NioPipeSinkConduit",
        "org/xnio/nio/NioUdpChannelHandle",
        "org/xnio/nio/WorkerThread$ConnectHandle",
    };

    @Override
    public String name() {
        return "undertow";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        MethodHook handleReady = Hooks.inboundDispatch("handleReady", "(I)V");
        for (String handle : NIO_HANDLES) {
            plan.add(handle, handleReady);
        }
        // Start-up builds the XNIO worker, whose I/O and worker threads would keep the starting code's values.
        plan.add("io/undertow/Undertow", Hooks.serverStartUp("start", "()V"));
        plan.add("io/undertow/server/protocol/http/HttpReadListener",
                Hooks.inboundDispatch("handleEventWithNoRunningRequest", "(Lorg/xnio/conduits/ConduitStreamSourceChannel;)V"));
    }
}
