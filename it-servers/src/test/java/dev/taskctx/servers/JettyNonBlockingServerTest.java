package dev.taskctx.servers;

import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Jetty 12 core with a handler that declares itself non-blocking: the selector's thread runs every
 * request inline (produce-consume) and keeps producing on the same thread.
 */
class JettyNonBlockingServerTest extends JettyServerTest {

    @Override
    InvocationType invocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
