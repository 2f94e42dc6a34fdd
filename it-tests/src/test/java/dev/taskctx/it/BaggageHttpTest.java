package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Context values across processes as W3C {@code baggage}: the JDK's {@code HttpClient} sends the
 * allowed keys of the calling code's context to allowed hosts, and the JDK's {@code HttpServer} puts
 * the allowed keys of a request's header into the context its handler runs with, both for real on
 * 127.0.0.1 in a JVM started with the options under test.
 */
class BaggageHttpTest {

    private static final String ALL_ON = "baggage.in=rid;user,baggage.out=rid;user,baggage.hosts=127.0.0.1";
    /** {@code rid}'s value: what must be percent-encoded on the way out and decoded on the way in. */
    private static final String AWKWARD = "r 1,;%\r\n\u00e9";
    private static final String AWKWARD_PRINTED = "r 1,;%\\r\\n\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%0D%0A%C3%A9";
    /** What the server's handler answers to a request that carried {@code rid=AWKWARD} as baggage. */
    private static final String SEEN_WITH_RID = "context={rid=" + AWKWARD_PRINTED + "} pooled=" + AWKWARD_PRINTED
            + " header=[rid=" + AWKWARD_ENCODED + "]";

    /**
     * One server, requests from several contexts and hostile raw requests; prints one line per request:
     * what the handler's context held, what a pool task it started saw of {@code rid}, and the raw
     * {@code baggage} lines it received. Every handler sets a value and never clears it.
     */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                String context = new TreeMap<>(TaskContext.asMap()).toString();
                String pooled = CompletableFuture.supplyAsync(() -> String.valueOf(TaskContext.get("rid"))).join();
                List<String> header = exchange.getRequestHeaders().get("baggage");
                TaskContext.set("leftover", "from an earlier request");
                byte[] body = ("context=" + context + " pooled=" + pooled + " header=" + header)
                        .replace("\r", "\\r").replace("\n", "\\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.createContext("/redirect", exchange -> BaggageRequests.redirect(exchange, "localhost"));
            server.createContext("/to-same-host", exchange -> BaggageRequests.redirect(exchange, "127.0.0.1"));
            server.createContext("/there-and-back", exchange -> BaggageRequests.redirect(exchange, "localhost", "/back"));
            server.createContext("/back", exchange -> BaggageRequests.redirect(exchange, "127.0.0.1"));
            server.start();
            String local = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            HttpClient client = HttpClient.newHttpClient();
            try {
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("send: " + client.send(get(local), HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("async: " + client.sendAsync(get(local), HttpResponse.BodyHandlers.ofString())
                        .join().body());
                System.out.println("urlconnection: " + read(local, false, null));
                System.out.println("urlconnection-following: " + read(local, true, null));
                System.out.println("urlconnection-redirected: " + read(local + "redirect", true, null));
                System.out.println("urlconnection-redirected-to-same-host: " + read(local + "to-same-host", true, null));
                System.out.println("urlconnection-post: " + post(local));
                String otherHost = "http://localhost:" + server.getAddress().getPort() + "/";
                System.out.println("urlconnection-other-host: " + read(otherHost, false, null));
                System.out.println("other-host: " + client.send(get(otherHost), HttpResponse.BodyHandlers.ofString()).body());
                HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
                System.out.println("redirected: " + following.send(get(local + "redirect"), HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("following: " + following.send(get(local), HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("redirected-to-same-host: "
                        + following.send(get(local + "to-same-host"), HttpResponse.BodyHandlers.ofString()).body());
                HttpRequest ownRedirected = HttpRequest.newBuilder(URI.create(local + "redirect")).header("baggage", "other=o").build();
                System.out.println("app-header-redirected: " + following.send(ownRedirected, HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("there-and-back: "
                        + following.send(get(local + "there-and-back"), HttpResponse.BodyHandlers.ofString()).body());
                HttpRequest ownThereAndBack = HttpRequest.newBuilder(URI.create(local + "there-and-back")).header("baggage", "other=o").build();
                System.out.println("app-header-there-and-back: " + following.send(ownThereAndBack, HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("urlconnection-there-and-back: " + read(local + "there-and-back", true, null));
                TaskContext.set("user", "u");
                HttpRequest withHeader = HttpRequest.newBuilder(URI.create(local)).header("baggage", "rid=app;p=1, other=o").build();
                System.out.println("app-header: " + client.send(withHeader, HttpResponse.BodyHandlers.ofString()).body());
                System.out.println("urlconnection-app-header: " + read(local, false, "rid=app;p=1, other=o"));
                System.out.println("urlconnection-app-header-redirected: " + read(local + "redirect", true, "other=o"));
                TaskContext.clear();
                System.out.println("empty-context: " + client.send(get(local), HttpResponse.BodyHandlers.ofString()).body());
                int port = server.getAddress().getPort();
                System.out.println("hostile-10k: " + BaggageRequests.raw(port, "user=u,rid=" + "a".repeat(10 * 1024) + ",late=1"));
                System.out.println("hostile-crlf: " + BaggageRequests.raw(port, "rid=a%0D%0AX-Evil:%201,user=%0A"));
                System.out.println("hostile-200: " + BaggageRequests.raw(port, BaggageRequests.twoHundredMembers()));
                System.out.println("hostile-malformed: " + BaggageRequests.raw(port, "rid=%zz, user=%C3%28 ,rid=ok;prop"));
                TaskContext.set("rid", "r1");
                System.out.println("websocket: " + webSocket(client));
            } finally {
                server.stop(0);
            }
        }

        /**
         * The JDK client's WebSocket opening handshake to a listed host: a request the JDK makes itself,
         * whose upgrade headers must reach the server. Answered by hand on a socket of 127.0.0.1.
         */
        private static String webSocket(HttpClient client) throws Exception {
            try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                    try (Socket socket = listener.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                        String key = null;
                        String baggage = null;
                        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                            String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim();
                            String value = line.substring(line.indexOf(':') + 1).trim();
                            if (name.equalsIgnoreCase("Sec-WebSocket-Key")) {
                                key = value;
                            } else if (name.equalsIgnoreCase("baggage")) {
                                baggage = value;
                            }
                        }
                        String answer = key == null ? "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                : "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)))
                                + "\r\n\r\n";
                        socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        socket.getOutputStream().flush();
                        Thread.sleep(200);
                        return "key=" + (key != null) + " baggage=" + baggage;
                    } catch (Exception e) {
                        return e.toString();
                    }
                });
                String opened;
                try {
                    WebSocket socket = client.newWebSocketBuilder().buildAsync(
                            URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/"), new WebSocket.Listener() { })
                            .get(10, TimeUnit.SECONDS);
                    socket.abort();
                    opened = "opened";
                } catch (Exception e) {
                    opened = "failed (" + e.getCause() + ")";
                }
                return opened + ", server saw " + seen.get(10, TimeUnit.SECONDS);
            }
        }

        /** A GET by {@code HttpURLConnection}, with the application's own {@code baggage} if not null. */
        private static String read(String uri, boolean followRedirects, String baggage) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) URI.create(uri).toURL().openConnection();
            connection.setInstanceFollowRedirects(followRedirects);
            if (baggage != null) {
                connection.setRequestProperty("baggage", baggage);
            }
            try (InputStream in = connection.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        /** A POST by {@code HttpURLConnection}: {@code connect} runs for its output stream and again for its input stream. */
        private static String post(String uri) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) URI.create(uri).toURL().openConnection();
            connection.setInstanceFollowRedirects(false);
            connection.setDoOutput(true);
            try (OutputStream out = connection.getOutputStream()) {
                out.write('x');
            }
            try (InputStream in = connection.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        private static HttpRequest get(String uri) {
            return HttpRequest.newBuilder(URI.create(uri)).build();
        }
    }

    /** The run with every option on, shared by the tests that read it: one JVM instead of five. */
    private static JvmRunner.Result runAllOn() throws Exception {
        return BaggageRequests.runOnce(Main.class, ALL_ON);
    }

    private static JvmRunner.Result run(String options) throws Exception {
        return BaggageRequests.run(Main.class, options);
    }

    @Test
    void allowedKeysTravelPercentEncodedAndSecretsStayHome() throws Exception {
        JvmRunner.Result result = runAllOn();
        assertThat(result.stdoutLines()).contains("send: " + SEEN_WITH_RID, "async: " + SEEN_WITH_RID,
                "urlconnection: " + SEEN_WITH_RID, "urlconnection-post: " + SEEN_WITH_RID);
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void hostsNotListedGetNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("other-host: context={} pooled=null header=null",
                "urlconnection-other-host: context={} pooled=null header=null");
    }

    /**
     * The JDK's {@code HttpClient} copies a request's headers to the host a redirect names: one that follows
     * redirects sends the header to a listed host, also after a redirect, and to a redirect's host not
     * listed only the application's own lines.
     */
    @Test
    void anHttpClientThatFollowsRedirectsChecksEveryRedirectAgainstTheHostList() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("following: " + SEEN_WITH_RID,
                "redirected-to-same-host: " + SEEN_WITH_RID,
                "redirected: context={} pooled=null header=null",
                "app-header-redirected: context={} pooled=null header=[other=o]");
    }

    /**
     * A redirect to a host not listed and on to a listed one: the listed host gets the header again, from the
     * JDK's {@code HttpClient} (whose redirects copy the previous hop's headers) as from {@code HttpURLConnection}.
     */
    @Test
    void aRedirectBackToAListedHostCarriesTheHeaderAgain() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("there-and-back: " + SEEN_WITH_RID,
                "urlconnection-there-and-back: " + SEEN_WITH_RID,
                "app-header-there-and-back: context={rid=" + AWKWARD_PRINTED + "} pooled=" + AWKWARD_PRINTED
                        + " header=[other=o,rid=" + AWKWARD_ENCODED + "]");
    }

    /**
     * {@code HttpURLConnection} writes every hop itself: one that follows redirects (the default) sends the
     * header to a listed host, also after a redirect, and to a redirect's host not listed only the
     * application's own lines.
     */
    @Test
    void anUrlConnectionChecksEveryRedirectAgainstTheHostList() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("urlconnection-following: " + SEEN_WITH_RID,
                "urlconnection-redirected-to-same-host: " + SEEN_WITH_RID,
                "urlconnection-redirected: context={} pooled=null header=null",
                "urlconnection-app-header-redirected: context={} pooled=null header=[other=o]");
    }

    /** The JDK's own request for a WebSocket's opening handshake is never rebuilt: its upgrade headers would be lost. */
    @Test
    void aWebSocketHandshakeToAListedHostStillOpens() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("websocket: opened, server saw key=true baggage=null");
    }

    @Test
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin() throws Exception {
        assertThat(runAllOn().stdoutLines())
                .contains("app-header: context={rid=app, user=u} pooled=app header=[rid=app;p=1,other=o,user=u]",
                        "urlconnection-app-header: context={rid=app, user=u} pooled=app header=[rid=app;p=1,other=o,user=u]");
    }

    @Test
    void anEmptyContextSendsNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("empty-context: context={} pooled=null header=null");
    }

    @Test
    void hostileHeadersAreBoundedAndNeverBreakTheRequest() throws Exception {
        List<String> lines = runAllOn().stdoutLines();
        // The member cut by the 8192-character limit is dropped whole; what lies after it is never read.
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-10k: context={user=u} pooled=null"));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .startsWith("hostile-crlf: context={rid=a\\r\\nX-Evil: 1, user=\\n} pooled=a\\r\\nX-Evil: 1 "));
        // Only the first 64 members are read: rid (the 11th) is, user (the 151st) is not.
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-200: context={rid=v10} pooled=v10"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-malformed: context={rid=ok} pooled=ok"));
    }

    @Test
    void withoutTheOptionsNothingIsSentAndNothingApplied() throws Exception {
        List<String> lines = run("").stdoutLines();
        assertThat(lines).contains("send: context={} pooled=null header=null",
                "urlconnection: context={} pooled=null header=null",
                "app-header: context={} pooled=null header=[rid=app;p=1, other=o]");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-crlf: context={} pooled=null"));
    }

    @Test
    void inboundOnlyAppliesAndSendsNothing() throws Exception {
        List<String> lines = run("baggage.in=rid").stdoutLines();
        assertThat(lines).contains("send: context={} pooled=null header=null");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-200: context={rid=v10} pooled=v10"));
    }

    @Test
    void outboundWithoutHostsSendsNothingAndSaysWhy() throws Exception {
        JvmRunner.Result result = run("baggage.out=rid");
        assertThat(result.stdoutLines()).contains("send: context={} pooled=null header=null");
        assertThat(result.stderrLines()).containsExactly("taskctx: agent option baggage.out is given without"
                + " baggage.hosts or baggage.topics, so no request or record carries baggage; list the hosts that may"
                + " receive those values as baggage.hosts=host;host, the Kafka topics whose records may carry them as"
                + " baggage.topics=topic;topic");
    }

    /** {@code baggage.topics} is for Kafka records: HTTP requests still need their host listed. */
    @Test
    void outboundWithTopicsOnlySendsNoRequestBaggage() throws Exception {
        JvmRunner.Result result = run("baggage.out=rid,baggage.topics=orders");
        assertThat(result.stdoutLines()).contains("send: context={} pooled=null header=null");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void aKeyThatIsNoTokenIsReportedInOneLine() throws Exception {
        JvmRunner.Result result = run("baggage.in=rid;r id");
        assertThat(result.stderrLines()).containsExactly("taskctx: bad value in agent option 'baggage.in=rid;r id':"
                + " 'r id' is not a baggage key (an HTTP token: letters, digits and !#$%&'*+-.^_`|~);"
                + " list baggage.in as name;name; using none");
        assertThat(result.stdoutLines()).anySatisfy(line -> assertThat(line).startsWith("hostile-200: context={} "));
    }
}
