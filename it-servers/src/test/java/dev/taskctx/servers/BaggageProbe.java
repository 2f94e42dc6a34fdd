package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What a server's handler answers in the inbound-baggage tests (JVMs with {@code baggage.in=rid;user}),
 * and the requests that check it: the allowed entries of a request's {@code baggage} header, decoded,
 * are in its context and in what it hands off; other keys never are; the next request starts empty.
 */
final class BaggageProbe {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    /** What the request's context holds, and what a pool task it hands off sees. */
    String seen() {
        String own = new TreeMap<>(TaskContext.asMap()).toString();
        try {
            return own + " " + pool.submit(() -> new TreeMap<>(TaskContext.asMap()).toString()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.toString();
        }
    }

    void close() {
        pool.shutdownNow();
    }

    /**
     * On one keep-alive connection to the server on {@code port}, whose handler answers {@link #seen}: a
     * request with allowed entries (encoded), one with a key not allowed alone, one without the header.
     */
    static void assertBaggageArrives(int port) throws Exception {
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
