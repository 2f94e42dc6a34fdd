package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Undertow on few threads, so that every I/O thread and worker serves many requests: its handler is
 * the probe as a subclass runs it ({@link #handler}). Beyond the contract, requests pipelined on one
 * connection: Undertow parses the next one inline, on whichever thread finished the previous one.
 */
abstract class UndertowServerTest extends ServerContract {

    private static final int PIPELINED = 20;

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

    @Test
    void pipelinedRequestsEachStartEmpty() throws Exception {
        int port = start();
        List<String> ids = IntStream.range(0, PIPELINED).mapToObj(i -> "piped-" + i).toList();
        List<String> expected = ids.stream().map(id -> {
            String seen = RequestProbe.expected(id);
            return seen + " " + seen + " " + seen;
        }).toList();
        assertThat(answers(port, ids, true)).isEqualTo(expected);
        assertThat(probe.problems).isEmpty();
    }

    /**
     * The bodies of the requests {@code ids} on one connection, in order: sent all in one write when
     * {@code pipelined}, else each after the previous answer.
     */
    protected static List<String> answers(int port, List<String> ids, boolean pipelined) throws IOException {
        List<String> bodies = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            StringBuilder requests = new StringBuilder();
            for (String id : ids) {
                requests.append("GET /request HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n")
                        .append(RequestProbe.ID_HEADER).append(": ").append(id).append("\r\n\r\n");
                if (!pipelined) {
                    out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    requests.setLength(0);
                    bodies.add(readResponse(in));
                }
            }
            if (pipelined) {
                out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < ids.size(); i++) {
                    bodies.add(readResponse(in));
                }
            }
        }
        return bodies;
    }
}
