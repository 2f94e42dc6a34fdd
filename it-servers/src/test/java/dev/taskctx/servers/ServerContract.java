package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskctx.TaskContext;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every server defends: one inbound request is one task. Its handler ({@link RequestProbe})
 * finds the context empty, whatever earlier requests on the same thread or connection set and never
 * cleared; its hand-offs see its own values; and a request's values are garbage once it has answered,
 * while the server lives on. Three waves: 50 concurrent requests, 50 more (on reused connections and
 * threads), and 20 in a row on one keep-alive connection. A subclass starts the server, on 127.0.0.1 and
 * a free port, with a handler that answers {@code probe.handle(the X-Request-Id header)} as a text body.
 */
abstract class ServerContract {

    private static final int WAVE = 50;
    private static final int KEEP_ALIVE = 20;
    private static final int PIPELINED = 20;

    protected final RequestProbe probe = new RequestProbe();
    /** The port of a server that {@link #startInsideRequestHolding} started. */
    private int port;
    private ExecutorService clientPool;
    private HttpClient client;

    /** Starts the server; its handler calls {@link #probe}. Returns the port it listens on. */
    protected abstract int start() throws Exception;

    protected abstract void stop() throws Exception;

    @BeforeEach
    void startClient() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        clientPool = Executors.newFixedThreadPool(2);
        client = HttpClient.newBuilder().executor(clientPool).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stopAll() throws Exception {
        TaskContext.clear();
        clientPool.shutdownNow();
        stop();
        probe.close();
    }

    @Test
    void everyRequestStartsEmptyAndItsHandOffsSeeOnlyItsOwnValues() throws Exception {
        int port = start();
        assertWave(port, "first");
        assertWave(port, "second");
        assertKeepAlive(port, "kept");
        assertThat(probe.problems).isEmpty();
    }

    /**
     * A server started inside a request (its threads, loops and pools created in that context) still
     * serves every request with an empty context.
     */
    @Test
    void serverStartedInsideRequestServesEveryRequestEmpty() throws Exception {
        TaskContext.set("rid", "the-starting-request");
        TaskContext.set("user", "the-starting-user");
        int port;
        try {
            port = start();
        } finally {
            TaskContext.clear();
        }
        assertWave(port, "after-start");
        assertKeepAlive(port, "kept-after-start");
        assertThat(probe.problems).isEmpty();
    }

    /**
     * The request that started the server (its threads, loops and pools) leaves nothing on them: its
     * large value becomes garbage once it ends, while the server serves on.
     */
    @Test
    void serverStartedInsideRequestKeepsNothingOfIt() throws Exception {
        WeakReference<byte[]> payload = startInsideRequestHolding(new byte[4 << 20]);
        assertWave(port, "after-start");
        assertKeepAlive(port, "kept-after-start");
        assertCollected(payload, "the starting request's payload");
        assertThat(probe.problems).isEmpty();
    }

    /** Starts the server in a request that holds {@code value}; the request then ends and nothing here keeps the value. */
    private WeakReference<byte[]> startInsideRequestHolding(byte[] value) throws Exception {
        WeakReference<byte[]> reference = new WeakReference<>(value);
        TaskContext.set("payload", value);
        value = null;
        try {
            port = start();
        } finally {
            TaskContext.clear();
        }
        return reference;
    }

    /** A request's large value becomes garbage once it has answered, while the server and its threads live on. */
    @Test
    void requestValuesAreCollectedWhileTheServerLives() throws Exception {
        int port = start();
        String id = "leak-0" + RequestProbe.PAYLOAD_SUFFIX;
        assertThat(get(port, id)).isEqualTo(expectedBody(id));
        assertKeepAlive(port, "after-payload");
        WeakReference<byte[]> payload = probe.payloads.get(id);
        assertThat(payload).as("the payload request ran").isNotNull();
        assertCollected(payload, "the request's payload");
        assertThat(probe.problems).isEmpty();
    }

    /** Waits, collecting, until {@code payload}'s value is garbage; fails after 30 s. */
    private static void assertCollected(WeakReference<byte[]> payload, String what) {
        await(what + " is collected").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    System.gc();
                    return payload.get() == null;
                });
    }

    /**
     * Requests pipelined on one connection (written at once): each starts empty, whichever thread
     * parses or runs it, also one a server takes up from the code that ends the previous response.
     */
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

    private static String expectedBody(String id) {
        String expected = RequestProbe.expected(id);
        return expected + " " + expected + " " + expected;
    }

    private String get(int port, String id) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/request"))
                .header(RequestProbe.ID_HEADER, id).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("status of %s", id).isEqualTo(200);
        return response.body();
    }

    /** {@link #WAVE} concurrent requests named {@code name-i}, each answering what its own hand-offs saw. */
    private void assertWave(int port, String name) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/request");
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            HttpRequest request = HttpRequest.newBuilder(uri).header(RequestProbe.ID_HEADER, name + "-" + i)
                    .timeout(Duration.ofSeconds(60)).GET().build();
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < WAVE; i++) {
            HttpResponse<String> response = responses.get(i).get(90, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).as("request %s-%d; problems seen: %s", name, i, probe.problems).isEqualTo(expectedBody(name + "-" + i));
        }
    }

    /** {@link #KEEP_ALIVE} requests in a row on one HTTP/1.1 connection. */
    private void assertKeepAlive(int port, String name) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < KEEP_ALIVE; i++) {
                String id = name + "-" + i;
                out.write(("GET /request HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + RequestProbe.ID_HEADER
                        + ": " + id + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readResponse(in)).as("request %s on one connection; problems seen: %s", id, probe.problems).isEqualTo(expectedBody(id));
            }
        }
    }

    /** Reads one HTTP/1.1 response (fixed length or chunked) and returns its body; fails on a status other than 200. */
    static String readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        assertThat(status).startsWith("HTTP/1.1 200");
        int length = -1;
        boolean chunked = false;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = Integer.parseInt(readLine(in).trim(), 16); size > 0;
                    size = Integer.parseInt(readLine(in).trim(), 16)) {
                body.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
        } else {
            assertThat(length).as("a Content-Length or chunked body").isNotNegative();
            body.write(in.readNBytes(length));
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed after " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
