package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Agent option {@code mdc} with a server that runs requests inline on one thread (the JDK's
 * {@code HttpServer} with its default executor: the dispatcher thread): each request is a task, so it
 * starts with an empty MDC, whatever the previous request on that thread put there and never removed,
 * and what it puts reaches its own hand-offs. Runs in the JVMs started with {@code -javaagent:taskctx.jar=mdc}.
 */
@Tag("mdc")
class MdcPerRequestTest {

    private static final int REQUESTS = 20;

    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private HttpServer server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.stop(0);
        }
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        MDC.clear();
    }

    @Test
    void everyRequestOnAKeepAliveConnectionStartsWithAnEmptyMdc() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/request", exchange -> {
            String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
            if (MDC.getCopyOfContextMap() != null && !MDC.getCopyOfContextMap().isEmpty()) {
                problems.add(id + " started with MDC " + MDC.getCopyOfContextMap());
            }
            MDC.put("request_id", id); // never removed
            String seen;
            try {
                seen = pool.submit(() -> MDC.get("request_id")).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                seen = e.toString();
            }
            byte[] body = String.valueOf(seen).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(30_000);
            Writer out = new java.io.OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < REQUESTS; i++) {
                String id = "mdc-" + i;
                out.write("GET /request HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: " + id + "\r\n\r\n");
                out.flush();
                assertThat(in.readLine()).startsWith("HTTP/1.1 200");
                int length = -1;
                for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                char[] body = new char[length];
                for (int read = 0; read < length; ) {
                    read += in.read(body, read, length - read);
                }
                assertThat(new String(body)).as("what request %s's pool task saw", id).isEqualTo(id);
            }
        }
        assertThat(problems).isEmpty();
    }
}
