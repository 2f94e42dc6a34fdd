package dev.taskctx.bench;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What W3C baggage costs a request (µs/op): one GET with the JDK's {@code HttpClient} (HTTP/1.1,
 * keep-alive, redirects never followed) to the JDK's {@code HttpServer} on 127.0.0.1 (TCP_NODELAY), whose handler
 * answers the {@code rid} its context holds. The calling thread's context holds {@code rid} and
 * {@code tenant}. Run in the taskctx set-up without baggage options, and with
 * {@code baggage.out=rid;tenant,baggage.hosts=127.0.0.1,baggage.in=rid;tenant} (see bench/README,
 * "W3C baggage"): the header is then made, sent, parsed and applied on every request.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BaggageBenchmarks {

    @State(Scope.Thread)
    public static class Exchange {

        HttpServer server;
        HttpClient client;
        HttpRequest request;

        @Setup(Level.Trial)
        public void start() throws IOException, InterruptedException {
            // Without it, the server's separate writes of head and body wait for the client's delayed ACK (40 ms).
            System.setProperty("sun.net.httpserver.nodelay", "true");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/rid", exchange -> {
                byte[] body = String.valueOf(TaskContext.get("rid")).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/rid"))
                    .GET().build();
            set();
            String seen = client.send(request, HttpResponse.BodyHandlers.ofString()).body();
            System.out.println("baggage check, " + System.getProperty("taskctx.baggage.in", "(options as given)")
                    + ": the server's handler saw rid=" + seen);
        }

        @Setup(Level.Iteration)
        public void set() {
            TaskContext.set("rid", "request-1");
            TaskContext.set("tenant", "acme");
        }

        @TearDown(Level.Iteration)
        public void clear() {
            TaskContext.clear();
        }

        @TearDown(Level.Trial)
        public void stop() {
            server.stop(0);
        }
    }

    /** One request and its whole answer. */
    @Benchmark
    public String jdkHttpClientToJdkHttpServer(Exchange exchange) throws IOException, InterruptedException {
        return exchange.client.send(exchange.request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
