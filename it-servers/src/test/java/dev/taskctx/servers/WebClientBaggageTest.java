package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Outbound W3C baggage from Reactor Netty's {@code HttpClient} under Spring's {@code WebClient}, in the
 * JVMs started with {@code baggage.out=rid;user,baggage.hosts=127.0.0.1} (and {@code baggage.in=rid;user}):
 * a request carries the entries of the code that subscribed to it, though it is sent from an event
 * loop; concurrent requests on one connection pool each carry their own; every redirect is checked
 * against the host list; a WebFlux-style handler on Reactor Netty that calls on with {@code WebClient}
 * sends the inbound request's entries on.
 */
@Tag("baggage")
class WebClientBaggageTest {

    private HttpServer echo;
    private String local;
    private ReactorNettyServer front;

    @BeforeEach
    void startEcho() throws IOException {
        echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        echo.createContext("/", exchange -> respond(exchange, "header=" + exchange.getRequestHeaders().get("baggage")));
        echo.createContext("/to-other-host", exchange -> redirect(exchange, "localhost"));
        echo.createContext("/to-same-host", exchange -> redirect(exchange, "127.0.0.1"));
        echo.setExecutor(Executors.newFixedThreadPool(4));
        echo.start();
        local = "http://127.0.0.1:" + echo.getAddress().getPort() + "/";
    }

    @AfterEach
    void stop() {
        if (front != null) {
            front.stop();
        }
        echo.stop(0);
        ((ExecutorService) echo.getExecutor()).shutdownNow();
        TaskContext.clear();
    }

    static String get(WebClient client, String uri) {
        return client.get().uri(uri).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30));
    }

    @Test
    void aRequestCarriesTheSubscribersEntriesAndSecretsStayHome() {
        TaskContext.set("rid", "r 1");
        TaskContext.set("secret", "s3cret");
        assertThat(get(WebClient.create(), local)).isEqualTo("header=[rid=r%201]");
    }

    @Test
    void hostsNotListedGetNoHeader() {
        TaskContext.set("rid", "r1");
        assertThat(get(WebClient.create(), "http://localhost:" + echo.getAddress().getPort() + "/")).isEqualTo("header=null");
    }

    @Test
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin() {
        TaskContext.set("rid", "r1");
        TaskContext.set("user", "u");
        String body = WebClient.create().get().uri(local).header("baggage", "rid=app;p=1", "other=o")
                .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30));
        assertThat(body).isEqualTo("header=[rid=app;p=1,other=o,user=u]");
    }

    /** Each redirect is a hop of its own, whose headers Reactor Netty makes anew: checked against the host list. */
    @Test
    void everyRedirectIsCheckedAgainstTheHostList() {
        WebClient following = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(reactor.netty.http.client.HttpClient.create().followRedirect(true)))
                .build();
        TaskContext.set("rid", "r1");
        assertThat(get(following, local + "to-same-host")).isEqualTo("header=[rid=r1]");
        assertThat(get(following, local + "to-other-host")).isEqualTo("header=null");
    }

    /**
     * A redirect consumer that copies the previous hop's headers (Reactor Netty's {@code followRedirect}
     * with a {@code BiConsumer}) copies the merged line too: a host not listed gets the application's own
     * line back, a listed one the entries merged once.
     */
    @Test
    void aRedirectThatCopiesThePreviousHeadersGivesAHostNotListedOnlyTheApplicationsOwnLine() {
        WebClient copying = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(reactor.netty.http.client.HttpClient.create()
                        .followRedirect((request, response) -> response.status().code() == 302,
                                (previous, redirect) -> redirect.headers(previous))))
                .build();
        TaskContext.set("rid", "r1");
        assertThat(get(copying, local + "to-other-host")).isEqualTo("header=null");
        assertThat(copying.get().uri(local + "to-other-host").header("baggage", "app=1")
                .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30))).isEqualTo("header=[app=1]");
        assertThat(get(copying, local + "to-same-host")).isEqualTo("header=[rid=r1]");
        assertThat(copying.get().uri(local + "to-same-host").header("baggage", "app=1")
                .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30))).isEqualTo("header=[app=1,rid=r1]");
    }

    /** The same with a consumer that adds the previous hop's baggage lines beside the ones the new hop has. */
    @Test
    void aRedirectThatAddsThePreviousBaggageLinesGivesAHostNotListedOnlyTheApplicationsOwnLine() {
        WebClient adding = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(reactor.netty.http.client.HttpClient.create()
                        .followRedirect((request, response) -> response.status().code() == 302,
                                (previous, redirect) -> previous.getAll("baggage").forEach(line -> redirect.addHeader("baggage", line)))))
                .build();
        TaskContext.set("rid", "r1");
        assertThat(get(adding, local + "to-other-host")).isEqualTo("header=null");
        assertThat(adding.get().uri(local + "to-other-host").header("baggage", "app=1")
                .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30))).isEqualTo("header=[app=1]");
        assertThat(adding.get().uri(local + "to-same-host").header("baggage", "app=1")
                .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30))).isEqualTo("header=[app=1,rid=r1]");
    }

    /** Sent from the pool's event loops, each request carries what its own subscriber held, never another's. */
    @Test
    void concurrentRequestsOnOnePoolEachCarryTheirOwnEntries() throws Exception {
        WebClient client = WebClient.create();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String rid = "r" + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    TaskContext.set("rid", rid);
                    return rid + " " + get(client, local);
                }, callers));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(60, TimeUnit.SECONDS)).isEqualTo("r" + i + " header=[rid=r" + i + "]");
            }
            TaskContext.clear();
            assertThat(get(client, local)).as("an empty context after them, on the same pool").isEqualTo("header=null");
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * A handler on Reactor Netty (the server under Spring WebFlux) that calls on with {@code WebClient}
     * subscribes on its event loop, inside the inbound request's own task: the downstream call carries
     * the inbound request's allowed entries, and a request without them sends none.
     */
    @Test
    void aReactiveHandlerSendsTheInboundRequestsEntriesOn() {
        WebClient downstream = WebClient.create();
        front = new ReactorNettyServer("webclient-front", server -> server.handle((request, response) ->
                response.sendString(downstream.get().uri(local).retrieve().bodyToMono(String.class))));
        WebClient client = WebClient.create();
        String frontUri = "http://127.0.0.1:" + front.port() + "/";
        String forwarded = client.get().uri(frontUri).header("baggage", "rid=in1,secret=s").retrieve()
                .bodyToMono(String.class).block(Duration.ofSeconds(30));
        assertThat(forwarded).isEqualTo("header=[rid=in1]");
        assertThat(get(client, frontUri)).as("the next request, without the header").isEqualTo("header=null");
    }

    private static void redirect(HttpExchange exchange, String host) throws IOException {
        exchange.getResponseHeaders().add("Location", "http://" + host + ":" + exchange.getLocalAddress().getPort() + "/");
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static void respond(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
