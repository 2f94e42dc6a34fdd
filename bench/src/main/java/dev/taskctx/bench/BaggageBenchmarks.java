package dev.taskctx.bench;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
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
 * keep-alive, redirects never followed, and one that follows them), {@code HttpURLConnection}, OkHttp or
 * Apache HttpClient 5 (classic) to the JDK's {@code HttpServer} on 127.0.0.1 (TCP_NODELAY), whose handler
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
        HttpClient followingClient;
        HttpRequest request;
        String uri;
        OkHttpClient okHttp;
        Request okHttpRequest;
        CloseableHttpClient apache;

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
            uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/rid";
            request = HttpRequest.newBuilder(URI.create(uri)).GET().build();
            followingClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            okHttp = new OkHttpClient();
            okHttpRequest = new Request.Builder().url(uri).build();
            apache = HttpClients.createDefault();
            set();
            BaggageBenchmarks check = new BaggageBenchmarks();
            System.out.println("baggage check, " + System.getProperty("taskctx.baggage.in", "(options as given)")
                    + ": the server's handler saw rid=" + check.jdkHttpClientToJdkHttpServer(this)
                    + " (JDK HttpClient), " + check.jdkHttpClientFollowingRedirects(this) + " (following redirects), "
                    + check.urlConnection(this) + " (HttpURLConnection), " + check.okHttp(this) + " (OkHttp), "
                    + check.apacheClassic(this) + " (Apache HttpClient 5)");
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
        public void stop() throws IOException {
            apache.close();
            okHttp.dispatcher().executorService().shutdown();
            okHttp.connectionPool().evictAll();
            server.stop(0);
        }
    }

    /** One request and its whole answer. */
    @Benchmark
    public String jdkHttpClientToJdkHttpServer(Exchange exchange) throws IOException, InterruptedException {
        return exchange.client.send(exchange.request, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The same with a client that follows redirects (none happens): the request is remembered for them. */
    @Benchmark
    public String jdkHttpClientFollowingRedirects(Exchange exchange) throws IOException, InterruptedException {
        return exchange.followingClient.send(exchange.request, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One GET by {@code HttpURLConnection} (keep-alive, following redirects, the default). */
    @Benchmark
    public String urlConnection(Exchange exchange) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(exchange.uri).toURL().openConnection();
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One GET by OkHttp's {@code execute}. */
    @Benchmark
    public String okHttp(Exchange exchange) throws IOException {
        try (Response response = exchange.okHttp.newCall(exchange.okHttpRequest).execute()) {
            return response.body().string();
        }
    }

    /** One GET by Apache HttpClient 5's classic client. */
    @Benchmark
    public String apacheClassic(Exchange exchange) throws IOException {
        return exchange.apache.execute(new HttpGet(exchange.uri), response -> EntityUtils.toString(response.getEntity()));
    }
}
