package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the baggage tests share: raw requests no well-behaved client would send, the JVM run with the
 * options, and the server the outgoing tests send to.
 */
final class BaggageRequests {

    private BaggageRequests() {
    }

    /** Runs {@code main} with {@code args} in a JVM with the agent given {@code options} (none if empty); it must exit with 0. */
    static JvmRunner.Result run(Class<?> main, String options, String... args) throws Exception {
        String agent = "-javaagent:" + JvmRunner.agentJar() + (options.isEmpty() ? "" : "=" + options);
        JvmRunner.Result result = JvmRunner.run(List.of(agent), main, args);
        assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isZero();
        return result;
    }

    private static final Map<List<String>, JvmRunner.Result> RUNS = new HashMap<>();

    /**
     * As {@link #run}, once per main class, options and arguments in this test JVM: the tests that read one
     * run's output share it.
     */
    static synchronized JvmRunner.Result runOnce(Class<?> main, String options, String... args) throws Exception {
        List<String> key = new ArrayList<>(List.of(main.getName(), options));
        key.addAll(List.of(args));
        JvmRunner.Result result = RUNS.get(key);
        if (result == null) {
            result = run(main, options, args);
            RUNS.put(key, result);
        }
        return result;
    }

    /** 200 members {@code k<i>=v<i>}, with {@code rid} the 11th and {@code user} the 151st. */
    static String twoHundredMembers() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            many.append(i == 0 ? "" : ",").append(i == 10 ? "rid" : i == 150 ? "user" : "k" + i).append("=v").append(i);
        }
        return many.toString();
    }

    /**
     * A GET written byte by byte to 127.0.0.1:{@code port}, with one {@code baggage} line per value given;
     * returns the line of the response's body that starts with {@code context=} (else the whole body).
     */
    static String raw(int port, String... baggage) throws IOException {
        StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String line : baggage) {
            request.append("baggage: ").append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            // A chunked body has the chunk sizes on lines of their own.
            for (String line : body.split("\r\n")) {
                if (line.startsWith("context=")) {
                    return line;
                }
            }
            return body;
        }
    }

    /**
     * A started JDK {@code HttpServer} on 127.0.0.1 whose {@code /} answers {@code header=} and the
     * {@code baggage} lines it received ({@code null} for none), and whose {@code /to-other-host} and
     * {@code /to-same-host} redirect to {@code /} on localhost and on 127.0.0.1.
     */
    static HttpServer echoServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> respond(exchange, "header=" + exchange.getRequestHeaders().get("baggage")));
        server.createContext("/to-other-host", exchange -> redirect(exchange, "localhost"));
        server.createContext("/to-same-host", exchange -> redirect(exchange, "127.0.0.1"));
        server.start();
        return server;
    }

    static void redirect(HttpExchange exchange, String host) throws IOException {
        redirect(exchange, host, "/");
    }

    /** Answers 302 to {@code path} on {@code host}, at this server's port. */
    static void redirect(HttpExchange exchange, String host, String path) throws IOException {
        exchange.getResponseHeaders().add("Location", "http://" + host + ":" + exchange.getLocalAddress().getPort() + path);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static void respond(HttpExchange exchange, String text) throws IOException {
        // A POST's body is read to the end, so that the client can use the connection again.
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
