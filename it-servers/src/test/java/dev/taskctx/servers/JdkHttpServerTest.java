package dev.taskctx.servers;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The JDK's {@code com.sun.net.httpserver.HttpServer} with its default executor: the dispatcher thread
 * runs every exchange inline, through the default executor's {@code execute}, which scopes each one.
 */
class JdkHttpServerTest extends ServerContract {

    private HttpServer server;

    @Override
    protected int start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/request", exchange -> {
            byte[] body = probe.handle(exchange.getRequestHeaders().getFirst(RequestProbe.ID_HEADER))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    @Override
    protected void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
