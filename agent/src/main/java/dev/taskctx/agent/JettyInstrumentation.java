package dev.taskctx.agent;

/**
 * Jetty 12's requests: every request of every connector and protocol reaches the application through
 * {@code HttpChannelState$HandlerInvoker.run()}, which calls {@code Server.handle}. Jetty's execution
 * strategy runs that task inline on whichever thread produced it (the selector's thread for a
 * non-blocking handler, the producing pool thread in execute-produce-consume mode, the thread that ran
 * a keep-alive connection's previous request), so nothing else separates two requests on one thread:
 * the run is a task of its own and starts empty. Where Jetty hands the invoker to its pool instead, the
 * pool's wrapper already scopes it. A component's {@code start()} (the server's, a connector's, a
 * pool's) captures nothing: a server started inside a request keeps nothing of it. Matched by class
 * name; the agent never links to Jetty.
 */
final class JettyInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "jetty";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("org/eclipse/jetty/server/internal/HttpChannelState$HandlerInvoker", Hooks.inboundDispatch("run", "()V"));
        // Every component's start (server, connectors, selectors, pools, schedulers) is infrastructure.
        plan.add("org/eclipse/jetty/util/component/AbstractLifeCycle", Hooks.serverStartUp("start", "()V"));
    }
}
