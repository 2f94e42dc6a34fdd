package dev.taskctx.agent;

/**
 * Tomcat's requests: every request of every connector reaches the servlet container through
 * {@code CoyoteAdapter.service}. A connection's {@code SocketProcessor} is one pool task, but
 * {@code Http11Processor} loops inside it over every request it finds already waiting on a keep-alive
 * connection, so the task's scope alone would let one request's values reach the next: each call is a
 * task of its own and starts empty. An asynchronous dispatch ({@code asyncDispatch}) continues its
 * request and is left as it is. A component's {@code start()} captures nothing: a server started inside
 * a request keeps nothing of it (its background processor, utility tasks, endpoint threads). Matched by
 * class name; the agent never links to Tomcat.
 */
final class TomcatInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("org/apache/catalina/connector/CoyoteAdapter",
                Hooks.inboundDispatch("service", "(Lorg/apache/coyote/Request;Lorg/apache/coyote/Response;)V"));
        // Every component's start (server, engine, contexts, connectors) is infrastructure.
        plan.add("org/apache/catalina/util/LifecycleBase", Hooks.serverStartUp("start", "()V"));
    }
}
