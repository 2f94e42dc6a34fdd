package dev.taskctx.servers;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty 12 core with a blocking handler on a small {@code QueuedThreadPool}: the thread that produces a
 * request often runs it inline (execute-produce-consume) and goes back to producing, and a keep-alive
 * connection's next request is parsed and run by the thread that ran the previous one.
 */
class JettyServerTest extends ServerContract {

    private Server server;

    /** How the handler declares itself to Jetty's execution strategy. */
    InvocationType invocationType() {
        return InvocationType.BLOCKING;
    }

    @Override
    protected int start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(12, 4);
        threads.setName("jetty-" + invocationType());
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract(invocationType()) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String body = probe.handle(request.getHeaders().get(RequestProbe.ID_HEADER));
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                Content.Sink.write(response, true, body, callback);
                return true;
            }
        });
        server.start();
        return connector.getLocalPort();
    }

    @Override
    protected void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }
}
