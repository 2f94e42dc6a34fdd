package dev.taskctx.agent;

/**
 * The JDK's {@code com.sun.net.httpserver}: each request is one {@code ServerImpl$Exchange}, which the
 * dispatcher thread hands to the server's executor. The default executor runs it inline on the
 * dispatcher, the one thread of the server, so every exchange's run is a task of its own and starts
 * empty; where the application set a pool, the pool's hand-off already scopes it. The class is in the
 * named module {@code jdk.httpserver}, which is made to read the core as {@code java.base} is.
 */
final class JdkHttpServerInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "httpserver";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("sun/net/httpserver/ServerImpl$Exchange", Hooks.inboundDispatch("run", "()V"));
        plan.coreReaders.add("jdk.httpserver");
    }
}
