package dev.taskctx.agent;

/**
 * The JDK's {@code com.sun.net.httpserver}: each request is one {@code ServerImpl$Exchange}, which the
 * dispatcher thread hands to the server's executor. The default executor runs it inline on the
 * dispatcher, the one thread of the server, so every exchange's run is a task of its own and starts
 * empty; where the application set a pool, the pool's hand-off already scopes it. The class is in the
 * named module {@code jdk.httpserver}, which is made to read the core as {@code java.base} is. Creating a
 * server captures nothing: its idle-timeout timer tasks, scheduled then, would otherwise keep the
 * creating code's values (a request's) for the server's life.
 */
final class JdkHttpServerInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "httpserver";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("sun/net/httpserver/ServerImpl$Exchange", Hooks.inboundDispatch("run", "()V"));
        // The server's construction schedules its idle-timeout tasks on timers of its own, for its life.
        plan.add("sun/net/httpserver/DefaultHttpServerProvider",
                Hooks.serverStartUp("createHttpServer", "(Ljava/net/InetSocketAddress;I)Lcom/sun/net/httpserver/HttpServer;"),
                Hooks.serverStartUp("createHttpsServer", "(Ljava/net/InetSocketAddress;I)Lcom/sun/net/httpserver/HttpsServer;"));
        plan.coreReaders.add("jdk.httpserver");
    }
}
