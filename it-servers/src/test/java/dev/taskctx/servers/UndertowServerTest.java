package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Undertow on few threads, so that every I/O thread and worker serves many requests: its handler is
 * the probe as a subclass runs it ({@link #handler}). Beyond the contract, requests pipelined on one
 * connection: Undertow parses the next one inline, on whichever thread finished the previous one.
 */
abstract class UndertowServerTest extends ServerContract {


    private Undertow undertow;

    /** The server's root handler, around {@link #probing()}. */
    protected abstract HttpHandler handler();

    @Override
    protected int start() {
        return start(handler());
    }

    protected int start(HttpHandler handler) {
        undertow = Undertow.builder().setIoThreads(2).setWorkerThreads(4)
                .addHttpListener(0, "127.0.0.1").setHandler(handler).build();
        undertow.start();
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    protected void stop() {
        if (undertow != null) {
            undertow.stop();
        }
    }

    /** Answers {@code probe.handle(the request's id)}. */
    protected HttpHandler probing() {
        return exchange -> answer(exchange, probe.handle(exchange.getRequestHeaders().getFirst(RequestProbe.ID_HEADER)));
    }

    protected static void answer(HttpServerExchange exchange, String body) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        exchange.getResponseSender().send(body);
    }


}
