package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import io.vertx.core.Vertx;
import reactor.core.publisher.Mono;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Inbound W3C baggage on Jetty 12, Undertow, Vert.x and Reactor Netty, in the JVMs started with
 * {@code -javaagent:taskctx.jar=baggage.in=rid;user}: a request's allowed {@code baggage} entries are
 * in its context (decoded), and in what it hands off; other keys never are; the next request on the
 * same keep-alive connection, without the header, starts empty.
 */
@Tag("baggage")
class ServerBaggageTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private Server jetty;
    private Undertow undertow;
    private Vertx vertx;
    private ReactorNettyServer reactorNetty;

    @AfterEach
    void stop() throws Exception {
        pool.shutdownNow();
        if (jetty != null) {
            jetty.stop();
        }
        if (undertow != null) {
            undertow.stop();
        }
        if (reactorNetty != null) {
            reactorNetty.stop();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** What the request's context holds, and what a pool task it hands off sees. */
    private String seen() {
        String own = new TreeMap<>(TaskContext.asMap()).toString();
        try {
            return own + " " + pool.submit(() -> new TreeMap<>(TaskContext.asMap()).toString()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void jettyRequestStartsWithItsAllowedBaggage() throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, seen(), callback);
                return true;
            }
        });
        jetty.start();
        assertBaggageArrives(connector.getLocalPort());
    }

    @Test
    void undertowRequestStartsWithItsAllowedBaggage() throws Exception {
        undertow = Undertow.builder().setIoThreads(1).setWorkerThreads(2).addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                    exchange.getResponseSender().send(seen());
                }).build();
        undertow.start();
        assertBaggageArrives(((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort());
    }

    @Test
    void vertxRequestStartsWithItsAllowedBaggage() throws Exception {
        vertx = Vertx.vertx();
        int port = vertx.createHttpServer()
                .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain").end(seen()))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
        assertBaggageArrives(port);
    }

    /** Reactor Netty (so WebFlux on it, and any server on Netty's HTTP codec): the decoded request's dispatch. */
    @Test
    void reactorNettyRequestStartsWithItsAllowedBaggage() throws Exception {
        reactorNetty = new ReactorNettyServer("baggage-it",
                http -> http.handle((request, response) -> response.sendString(Mono.fromSupplier(this::seen))));
        assertBaggageArrives(reactorNetty.port());
    }

    private static void assertBaggageArrives(int port) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String expected = "{rid=r 1/é, user=u}";
            assertThat(exchange(out, in, "baggage: rid=r%201%2F%C3%A9;p=1, secret=s, user=u\r\n"))
                    .as("the allowed entries, decoded, in the request and its pool task").isEqualTo(expected + " " + expected);
            assertThat(exchange(out, in, "Baggage: secret=only\r\n"))
                    .as("a key not allowed in, never applied").isEqualTo("{} {}");
            assertThat(exchange(out, in, "")).as("the next request on the connection, without the header")
                    .isEqualTo("{} {}");
        }
    }

    private static String exchange(OutputStream out, InputStream in, String extraHeaders) throws Exception {
        out.write(("GET /request HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return ServerContract.readResponse(in);
    }
}
