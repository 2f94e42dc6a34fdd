package dev.taskctx.agent;

/**
 * Helidon SE 4's HTTP/1: a connection is one virtual thread running {@code Http1Connection.handle}, a
 * loop that reads a request's prologue and headers and calls {@code route} with them for as long as the
 * connection is kept alive. {@code route} runs the application's routing inline ({@code HttpRouting.route},
 * then the wait for the entity to be consumed) once per request, so it is the request's task: without it,
 * one request's values are the next one's on that connection. Any descriptor: earlier 4.x releases lack
 * the concurrency-limit outcome parameter. The connection thread itself is started by Helidon's own
 * {@code ThreadPerTaskExecutor} (not a {@code java.util.concurrent.Executor}) and keeps what a new thread
 * gets from its starter, the listener thread. Making the server ({@code WebServer.create}, where its
 * listeners schedule their idle-connection timer tasks) and starting it ({@code LoomServer.start}) capture
 * nothing: its timer tasks, its listener threads and so the connections' threads keep nothing of the
 * code that made it (a request's values). Matched by class name; the agent never links to Helidon.
 */
final class HelidonInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "helidon";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("io/helidon/webserver/http1/Http1Connection", Hooks.inboundDispatch("route", null));
        // Making the server schedules its listeners' idle-connection timer tasks; starting it starts its
        // server and listener threads, which start every connection's.
        plan.add("io/helidon/webserver/WebServer",
                Hooks.serverStartUp("create", "(Lio/helidon/webserver/WebServerConfig;)Lio/helidon/webserver/WebServer;"));
        plan.add("io/helidon/webserver/LoomServer", Hooks.serverStartUp("start", "()Lio/helidon/webserver/WebServer;"));
    }
}
