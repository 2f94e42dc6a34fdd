package dev.taskctx.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A small HTTP service as an application would write it, on the JDK's built-in server, bound to
 * loopback. Each request sets {@code request_id} (from the {@code X-Request-Id} header, or a new
 * UUID) in the task context and in SLF4J's MDC, fans work out to a pool, a CompletableFuture chain
 * and a parallel stream, logs from every stage, and answers with what every stage saw, one line each:
 * {@code stage=pool taskctx=<id> mdc=<id>}. Nothing here hands a context on by hand: run it with
 * {@code -javaagent:agent/target/taskctx.jar=mdc}. Argument: the port (default 8080; 0 picks a free one).
 */
public final class HttpService {

    private static final Logger log = LoggerFactory.getLogger(HttpService.class);

    private final ExecutorService workers = Executors.newFixedThreadPool(4);

    private HttpService() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        HttpService service = new HttpService();
        server.createContext("/", service::handle);
        // Each exchange is a task on this pool, so what a request sets ends with its exchange.
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("listening on http://127.0.0.1:" + server.getAddress().getPort() + "/ (taskctx agent "
                + (TaskContext.agentActive() ? "active" : "NOT active: run with -javaagent:agent/target/taskctx.jar=mdc")
                + ")");
    }

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = exchange.getRequestHeaders().getFirst("X-Request-Id");
        if (requestId == null || requestId.isBlank()) {
            requestId = UUID.randomUUID().toString();
        }
        TaskContext.set("request_id", requestId);
        MDC.put("request_id", requestId);
        log.info("request received");

        List<String> seen = new ArrayList<>();
        String response;
        int status = 200;
        try {
            seen.add(stage("handler"));
            Future<String> pooled = workers.submit(() -> stage("pool"));
            CompletableFuture<List<String>> chain = CompletableFuture
                    .supplyAsync(() -> List.of(stage("cf-supplyAsync")), workers)
                    .thenApplyAsync(earlier -> append(earlier, stage("cf-thenApplyAsync")), workers)
                    .thenApply(earlier -> append(earlier, stage("cf-thenApply")));
            List<String> parallel = IntStream.range(0, 8).parallel()
                    .mapToObj(i -> stage("parallel-stream"))
                    .collect(Collectors.toList());
            seen.add(pooled.get(30, TimeUnit.SECONDS));
            seen.addAll(chain.get(30, TimeUnit.SECONDS));
            seen.addAll(parallel);
            response = "request_id=" + requestId + "\n" + String.join("\n", seen) + "\n";
        } catch (Exception e) {
            log.error("request failed", e);
            response = "failed: " + e + "\n";
            status = 500;
        }
        byte[] body = response.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** What this stage sees; the log line shows the MDC as logback renders it. */
    private static String stage(String name) {
        Object fromContext = TaskContext.get("request_id");
        log.info("stage={} taskctx={}", name, fromContext);
        return "stage=" + name + " taskctx=" + fromContext + " mdc=" + MDC.get("request_id");
    }

    private static List<String> append(List<String> earlier, String next) {
        List<String> all = new ArrayList<>(earlier);
        all.add(next);
        return all;
    }
}
