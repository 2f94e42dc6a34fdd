package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetServer;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Vert.x core's HTTP server: two event loops serve every connection, each request's handler runs
 * inline on one of them. What is special to Vert.x: a pipelined request is dispatched from inside the
 * code that ends the previous response; an ordered {@code executeBlocking} runs every queued task on
 * one drainer; and a TCP server's data arrives through the same connection layer.
 */
class VertxServerTest extends ServerContract {

    /** Two requests to /ordered each queue one ordered blocking task; the first task waits for the second's. */
    private final CountDownLatch bothOrderedQueued = new CountDownLatch(2);
    private Vertx vertx;

    @Override
    protected int start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4)
                // The probe blocks the loop while its hand-offs run: no blocked-thread warnings.
                .setBlockedThreadCheckInterval(TimeUnit.HOURS.toMillis(1))
                .setMaxEventLoopExecuteTime(1).setMaxEventLoopExecuteTimeUnit(TimeUnit.HOURS));
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS).actualPort();
    }

    @Override
    protected void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private void handle(HttpServerRequest request) {
        String id = request.getHeader(RequestProbe.ID_HEADER);
        switch (request.path()) {
            case "/deferred" -> {
                // Answered by a later task of the loop, which carries this request's values.
                String body = probe.handle(id);
                vertx.runOnContext(ignored -> answer(request, body));
            }
            case "/ordered" -> {
                TaskContext.set("rid", id);
                Context context = Vertx.currentContext();
                context.executeBlocking(() -> {
                    bothOrderedQueued.await(20, TimeUnit.SECONDS);
                    return String.valueOf(TaskContext.get("rid"));
                }, true).onComplete(seen -> answer(request, seen.succeeded() ? seen.result() : "failed: " + seen.cause()));
                bothOrderedQueued.countDown();
            }
            case "/continued" -> {
                // A timer, a blocking task, its result handler and a loop task, one after another.
                TaskContext.set("rid", id);
                Context context = Vertx.currentContext();
                vertx.setTimer(1, timer -> context.executeBlocking(() -> TaskContext.get("rid"))
                        .onComplete(blocking -> vertx.runOnContext(ignored ->
                                answer(request, blocking.result() + " " + TaskContext.get("rid")))));
            }
            default -> answer(request, probe.handle(id));
        }
    }

    private static void answer(HttpServerRequest request, String body) {
        request.response().putHeader("content-type", "text/plain").end(body);
    }

    /**
     * The second and later of pipelined requests, held while the first one's response is pending, are
     * dispatched from the loop task that ends that response (which carries the first request's values):
     * each still starts empty.
     */
    @Test
    void pipelinedRequestsHeldWhileAResponseIsPendingStartEmpty() throws Exception {
        int port = start();
        String[] ids = {"piped-1", "piped-2", "piped-3", "piped-4"};
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                requests.append("GET ").append(i == 0 ? "/deferred" : "/request").append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                        .append(RequestProbe.ID_HEADER).append(": ").append(ids[i]).append("\r\n\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (String id : ids) {
                String expected = RequestProbe.expected(id);
                assertThat(readResponse(in)).as("response to %s", id).isEqualTo(expected + " " + expected + " " + expected);
            }
        }
        assertThat(probe.problems).isEmpty();
    }

    /**
     * Two requests queue an ordered blocking task each, the second while the first one's task has not
     * finished, so one drainer runs both: each task sees the values of the request that queued it.
     */
    @Test
    void orderedBlockingTaskSeesTheRequestThatQueuedIt() throws Exception {
        int port = start();
        ExecutorService clientPool = Executors.newFixedThreadPool(2);
        try {
            HttpClient client = HttpClient.newBuilder().executor(clientPool).version(HttpClient.Version.HTTP_1_1).build();
            CompletableFuture<HttpResponse<String>> first = client.sendAsync(ordered(port, "ordered-1"),
                    HttpResponse.BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> second = client.sendAsync(ordered(port, "ordered-2"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(first.get(60, TimeUnit.SECONDS).body()).isEqualTo("ordered-1");
            assertThat(second.get(60, TimeUnit.SECONDS).body()).isEqualTo("ordered-2");
        } finally {
            clientPool.shutdownNow();
        }
    }

    /** What a request hands to Vert.x's own timers, worker pool and loop runs with the request's values. */
    @Test
    void continuationsOfARequestKeepItsValues() throws Exception {
        int port = start();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(("GET /continued HTTP/1.1\r\nHost: 127.0.0.1\r\n" + RequestProbe.ID_HEADER
                    + ": continued-1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(new BufferedInputStream(socket.getInputStream()))).isEqualTo("continued-1 continued-1");
        }
    }

    /**
     * A TCP server of the same Vert.x: connections one after another on one event loop, each handler
     * setting a value and never clearing; the data of every connection still arrives to an empty context.
     */
    @Test
    void everyConnectionOfANetServerReceivesItsDataEmpty() throws Exception {
        start();
        NetServer server = vertx.createNetServer().connectHandler(socket -> socket.handler(data -> {
            String seen = TaskContext.asMap().toString();
            TaskContext.set("rid", data.toString().trim());
            socket.write(seen + "\n");
        }));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS).actualPort();
        for (int i = 0; i < 5; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(60_000);
                socket.getOutputStream().write(("net-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(socket.getInputStream())).as("what connection %d's data found", i).isEqualTo("{}");
            }
        }
    }

    private static HttpRequest ordered(int port, String id) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ordered"))
                .header(RequestProbe.ID_HEADER, id).timeout(Duration.ofSeconds(60)).GET().build();
    }
}
