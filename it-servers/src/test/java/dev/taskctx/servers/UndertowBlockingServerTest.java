package dev.taskctx.servers;

import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;

/**
 * A blocking handler: Undertow dispatches each request from the I/O thread to its worker pool, and
 * parses a pipelined next request inline on the worker that finished the previous one.
 */
class UndertowBlockingServerTest extends UndertowServerTest {

    @Override
    protected HttpHandler handler() {
        return new BlockingHandler(probing());
    }
}
