package dev.taskctx.servers;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

/**
 * Helidon SE 4: each connection is one virtual thread that reads and routes its keep-alive requests
 * one after another, so only a boundary per request keeps one request's values from the next.
 */
class HelidonServerTest extends ServerContract {

    private static final HeaderName ID = HeaderNames.create(RequestProbe.ID_HEADER);

    private WebServer server;

    @Override
    protected int start() {
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing -> routing.get("/request",
                        (request, response) -> response.send(probe.handle(request.headers().first(ID).orElseThrow()))))
                .build()
                .start();
        return server.port();
    }

    @Override
    protected void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
