package dev.taskctx.servers;

import java.time.Duration;
import java.util.function.UnaryOperator;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A Reactor Netty HTTP server on 127.0.0.1 and a free port, on event loops of its own rather than the
 * shared ones: a server started inside a request also starts its loops there.
 */
final class ReactorNettyServer {

    private final LoopResources loops;
    private final DisposableServer server;

    /** Binds the server {@code handling} configures (its routes or handler). */
    ReactorNettyServer(String name, UnaryOperator<HttpServer> handling) {
        loops = LoopResources.create(name, 1, 2, true);
        server = handling.apply(HttpServer.create().host("127.0.0.1").port(0).runOn(loops))
                .bindNow(Duration.ofSeconds(10));
    }

    int port() {
        return server.port();
    }

    void stop() {
        server.disposeNow(Duration.ofSeconds(10));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }
}
