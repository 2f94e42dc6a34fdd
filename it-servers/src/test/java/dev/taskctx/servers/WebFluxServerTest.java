package dev.taskctx.servers;

import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Spring WebFlux, a functional endpoint served by Reactor Netty (no Spring Boot): the handler function
 * runs inside the {@code channelRead} of the request, on the connection's event loop.
 */
class WebFluxServerTest extends ServerContract {

    private ReactorNettyServer server;

    @Override
    protected int start() {
        RouterFunction<ServerResponse> routes = RouterFunctions.route(RequestPredicates.GET("/request"),
                request -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
                        .bodyValue(probe.handle(request.headers().firstHeader(RequestProbe.ID_HEADER))));
        ReactorHttpHandlerAdapter adapter = new ReactorHttpHandlerAdapter(RouterFunctions.toHttpHandler(routes));
        server = new ReactorNettyServer("webflux-it", http -> http.handle(adapter));
        return server.port();
    }

    @Override
    protected void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
