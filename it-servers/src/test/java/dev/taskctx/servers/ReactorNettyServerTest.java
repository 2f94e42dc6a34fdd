package dev.taskctx.servers;

import reactor.core.publisher.Mono;

/**
 * Reactor Netty's HTTP server: the handler's publisher is subscribed, and the probe run, inside the
 * {@code channelRead} of the request on the connection's event loop (no {@code subscribeOn}).
 */
class ReactorNettyServerTest extends ServerContract {

    private ReactorNettyServer server;

    @Override
    protected int start() {
        server = new ReactorNettyServer("reactor-netty-it", http -> http.route(routes -> routes.get("/request",
                (request, response) -> response.header("Content-Type", "text/plain")
                        .sendString(Mono.fromSupplier(() -> probe.handle(request.requestHeaders()
                                .get(RequestProbe.ID_HEADER)))))));
        return server.port();
    }

    @Override
    protected void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
