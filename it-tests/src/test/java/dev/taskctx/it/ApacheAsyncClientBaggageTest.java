package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.H2AsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseProducer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http2.impl.nio.bootstrap.H2ServerBootstrap;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.Test;

/**
 * Apache HttpClient 5's async client sends the allowed keys of the code that called {@code execute} to
 * allowed hosts as W3C {@code baggage}, checked again for every redirect it follows on its I/O threads,
 * against the JDK's {@code HttpServer} (HTTP/1.1) and HttpCore's HTTP/2 server on 127.0.0.1 in a JVM started
 * with the options under test.
 */
class ApacheAsyncClientBaggageTest {

    private static final String ALL_ON = "baggage.out=rid;user,baggage.hosts=127.0.0.1";
    private static final String AWKWARD = "r 1,;%\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%C3%A9";
    private static final int CONCURRENT = 20;
    private static final int CARRIED = 50;

    /** Prints, per request, the raw {@code baggage} lines the server received, and what became of the application's request. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            if (args.length > 0 && args[0].equals("h2")) {
                http2();
                return;
            }
            HttpServer server = BaggageRequests.echoServer();
            int port = server.getAddress().getPort();
            String local = "http://127.0.0.1:" + port + "/";
            try (CloseableHttpAsyncClient client = HttpAsyncClients.createDefault()) {
                client.start();
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                SimpleHttpRequest first = SimpleRequestBuilder.get(local).build();
                System.out.println("execute: " + get(client, first));
                System.out.println("execute-request-after: " + baggageOf(first));
                System.out.println("other-host: " + get(client, SimpleRequestBuilder.get("http://localhost:" + port + "/").build()));
                SimpleHttpRequest toOther = SimpleRequestBuilder.get(local + "to-other-host").build();
                System.out.println("redirected-to-other-host: " + get(client, toOther));
                System.out.println("redirected-to-other-host-request-after: " + baggageOf(toOther));
                System.out.println("redirected-to-same-host: " + get(client, SimpleRequestBuilder.get(local + "to-same-host").build()));
                TaskContext.set("user", "u");
                SimpleHttpRequest withHeader = SimpleRequestBuilder.get(local)
                        .addHeader("baggage", "rid=app;p=1").addHeader("baggage", "other=o").build();
                System.out.println("app-header: " + get(client, withHeader));
                System.out.println("app-header-request-after: " + baggageOf(withHeader));
                System.out.println("concurrent-mismatches: " + concurrently(client, local));
                TaskContext.clear();
                System.out.println("empty-context: " + get(client, SimpleRequestBuilder.get(local).build()));
                System.out.println("empty-context-redirected: " + get(client, SimpleRequestBuilder.get(local + "to-same-host").build()));
                System.out.println("entries-kept: " + entriesKept(client, local));
            } finally {
                server.stop(0);
            }
        }

        /** The same over HTTP/2 (prior knowledge, cleartext), to {@link #http2Server}: its lines start with {@code h2-}. */
        private static void http2() throws Exception {
            HttpAsyncServer server = http2Server();
            int port = ((InetSocketAddress) server.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), URIScheme.HTTP)
                    .get(30, TimeUnit.SECONDS).getAddress()).getPort();
            String local = "http://127.0.0.1:" + port + "/";
            try (CloseableHttpAsyncClient client = H2AsyncClientBuilder.create().build()) {
                client.start();
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("h2-execute: " + get(client, SimpleRequestBuilder.get(local).build()));
                System.out.println("h2-other-host: " + get(client, SimpleRequestBuilder.get("http://localhost:" + port + "/").build()));
                System.out.println("h2-redirected-to-other-host: " + get(client, SimpleRequestBuilder.get(local + "to-other-host").build()));
                System.out.println("h2-redirected-to-same-host: " + get(client, SimpleRequestBuilder.get(local + "to-same-host").build()));
                System.out.println("h2-concurrent-mismatches: " + concurrently(client, local));
                TaskContext.clear();
                System.out.println("h2-empty-context-redirected: " + get(client, SimpleRequestBuilder.get(local + "to-same-host").build()));
            } finally {
                server.close(CloseMode.IMMEDIATE);
            }
        }

        /** An HTTP/2-only server answering as {@link BaggageRequests#echoServer()} does. */
        private static HttpAsyncServer http2Server() {
            AsyncServerRequestHandler<Message<HttpRequest, Void>> echo = new AsyncServerRequestHandler<>() {
                @Override
                public AsyncRequestConsumer<Message<HttpRequest, Void>> prepare(HttpRequest request,
                        EntityDetails entityDetails, HttpContext context) {
                    return new BasicRequestConsumer<>(() -> new DiscardingEntityConsumer<>());
                }

                @Override
                public void handle(Message<HttpRequest, Void> message, ResponseTrigger trigger, HttpContext context)
                        throws HttpException, IOException {
                    HttpRequest request = message.getHead();
                    String path = request.getPath();
                    int port = request.getAuthority().getPort();
                    if (path.startsWith("/to-")) {
                        BasicHttpResponse redirect = new BasicHttpResponse(302);
                        redirect.addHeader("Location", "http://" + (path.equals("/to-other-host") ? "localhost" : "127.0.0.1")
                                + ":" + port + "/");
                        trigger.submitResponse(new BasicResponseProducer(redirect), context);
                        return;
                    }
                    List<String> lines = new ArrayList<>();
                    for (Header header : request.getHeaders("baggage")) {
                        lines.add(header.getValue());
                    }
                    trigger.submitResponse(new BasicResponseProducer(200, "header=" + (lines.isEmpty() ? null : lines)), context);
                }
            };
            // The server answers only for the names it is given (421 for others): both hosts are this one.
            HttpAsyncServer server = H2ServerBootstrap.bootstrap().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2)
                    .setCanonicalHostName("127.0.0.1").register("*", echo).registerVirtual("localhost", "*", echo)
                    .create();
            server.start();
            return server;
        }

        private static String get(CloseableHttpAsyncClient client, SimpleHttpRequest request) throws Exception {
            return client.execute(request, null).get(30, TimeUnit.SECONDS).getBodyText();
        }

        private static String baggageOf(SimpleHttpRequest request) {
            List<String> lines = new ArrayList<>();
            for (Header header : request.getHeaders("baggage")) {
                lines.add(header.getValue());
            }
            return lines.toString();
        }

        /**
         * {@value #CONCURRENT} threads, each with its own {@code rid}, execute at once, directly and through a
         * redirect (whose second hop runs on an I/O thread): the answers that are not their own.
         */
        private static List<String> concurrently(CloseableHttpAsyncClient client, String local) throws Exception {
            List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                String rid = "c" + i;
                Thread thread = new Thread(() -> {
                    try {
                        TaskContext.set("rid", rid);
                        TaskContext.remove("user");
                        start.await();
                        for (String url : Arrays.asList(local, local + "to-same-host")) {
                            String body = get(client, SimpleRequestBuilder.get(url).build());
                            if (!body.equals("header=[rid=" + rid + "]")) {
                                mismatches.add(rid + " " + url + " " + body);
                            }
                        }
                    } catch (Exception e) {
                        mismatches.add(rid + " " + e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join(60_000);
            }
            return mismatches;
        }

        /**
         * Of {@value #CARRIED} executions, each carrying a value of its own through a redirect, how many values
         * are still reachable after further executions from an empty context: the library itself keeps the
         * objects of its last exchange reachable until the next one, and a weak map drops a collected key's
         * entry at its next use.
         */
        private static int entriesKept(CloseableHttpAsyncClient client, String local) throws Exception {
            List<WeakReference<Object>> carried = new ArrayList<>();
            for (int i = 0; i < CARRIED; i++) {
                carried.add(carryOnce(client, local, i));
            }
            // Each round's execution also lets the side table drop what the collector cleared before it.
            for (int i = 0; i < 20 && carried.stream().anyMatch(value -> value.get() != null); i++) {
                get(client, SimpleRequestBuilder.get(local).build());
                System.gc();
                Thread.sleep(20);
            }
            return (int) carried.stream().filter(value -> value.get() != null).count();
        }

        private static WeakReference<Object> carryOnce(CloseableHttpAsyncClient client, String local, int i) throws Exception {
            Object value = new Object() {
                @Override
                public String toString() {
                    return "carried" + i;
                }
            };
            TaskContext.set("rid", value);
            String body = get(client, SimpleRequestBuilder.get(local + "to-same-host").build());
            TaskContext.clear();
            if (i == 0) {
                System.out.println("carried: " + body);
            }
            return new WeakReference<>(value);
        }
    }

    /** The run with every option on, shared by the tests that read it. */
    private static List<String> runAllOn() throws Exception {
        return BaggageRequests.runOnce(Main.class, ALL_ON).stdoutLines();
    }

    @Test
    void allowedKeysTravelPercentEncodedAndSecretsStayHome() throws Exception {
        assertThat(runAllOn()).contains("execute: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void hostsNotListedGetNoHeader() throws Exception {
        assertThat(runAllOn()).contains("other-host: header=null");
    }

    /** The redirect's hop runs on an I/O thread: it gets the caller's entries, for a listed host only. */
    @Test
    void everyRedirectIsCheckedAgainstTheHostList() throws Exception {
        assertThat(runAllOn()).contains("redirected-to-other-host: header=null",
                "redirected-to-same-host: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin() throws Exception {
        assertThat(runAllOn()).contains("app-header: header=[rid=app;p=1,other=o,user=u]");
    }

    /** The header goes on the chain's copies: the application's request, from which redirects are built, never gets it. */
    @Test
    void theApplicationsRequestIsLeftAsItWas() throws Exception {
        assertThat(runAllOn()).contains("execute-request-after: []", "redirected-to-other-host-request-after: []",
                "app-header-request-after: [rid=app;p=1, other=o]");
    }

    /** Executions at once from threads with different entries, sharing the I/O threads and connections, each send their own. */
    @Test
    void concurrentExecutionsEachSendTheirCallersEntries() throws Exception {
        assertThat(runAllOn()).contains("concurrent-mismatches: []");
    }

    /** After executions that carried entries through the same I/O threads, one from an empty context sends nothing. */
    @Test
    void anEmptyContextSendsNoHeader() throws Exception {
        assertThat(runAllOn()).contains("empty-context: header=null", "empty-context-redirected: header=null");
    }

    /** An execution's entries are held weakly by it: finished executions leave nothing behind, however many ran. */
    @Test
    void finishedExecutionsKeepNoEntries() throws Exception {
        assertThat(runAllOn()).contains("carried: header=[rid=carried0]", "entries-kept: 0");
    }

    /** The HTTP/2 client has the same chain: each hop is checked on its own, concurrent callers send their own. */
    @Test
    void theHttp2ClientSendsTheSameWay() throws Exception {
        assertThat(BaggageRequests.run(Main.class, ALL_ON, "h2").stdoutLines()).contains(
                "h2-execute: header=[rid=" + AWKWARD_ENCODED + "]",
                "h2-other-host: header=null",
                "h2-redirected-to-other-host: header=null",
                "h2-redirected-to-same-host: header=[rid=" + AWKWARD_ENCODED + "]",
                "h2-concurrent-mismatches: []",
                "h2-empty-context-redirected: header=null");
    }

    @Test
    void withoutTheOptionsNothingIsSent() throws Exception {
        List<String> lines = BaggageRequests.run(Main.class, "").stdoutLines();
        assertThat(lines).contains("execute: header=null", "redirected-to-same-host: header=null",
                "app-header: header=[rid=app;p=1, other=o]");
    }
}
