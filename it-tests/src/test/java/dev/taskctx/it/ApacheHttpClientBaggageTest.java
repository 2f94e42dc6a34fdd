package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Apache HttpClient's classic clients, 5 and 4.5, send the allowed keys of the calling code's context to allowed
 * hosts as W3C {@code baggage}, checked again for every redirect it follows, against the JDK's
 * {@code HttpServer} on 127.0.0.1 in a JVM started with the options under test.
 */
class ApacheHttpClientBaggageTest {

    private static final String ALL_ON = "baggage.out=rid;user,baggage.hosts=127.0.0.1";
    private static final String AWKWARD = "r 1,;%\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%C3%A9";

    /** A client of one major version: the body of a GET to {@code url} carrying the {@code baggage} lines given. */
    private interface Client extends AutoCloseable {
        String get(String url, String... baggage) throws IOException;
    }

    /** HttpClient 5's classic client. */
    private static final class Version5 implements Client {
        private final CloseableHttpClient client = HttpClients.createDefault();

        @Override
        public String get(String url, String... baggage) throws IOException {
            HttpGet request = new HttpGet(url);
            for (String line : baggage) {
                request.addHeader("baggage", line);
            }
            return client.execute(request, response -> EntityUtils.toString(response.getEntity()));
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    /** HttpClient 4.5's classic client. */
    private static final class Version4 implements Client {
        private final org.apache.http.impl.client.CloseableHttpClient client =
                org.apache.http.impl.client.HttpClients.createDefault();

        @Override
        public String get(String url, String... baggage) throws IOException {
            org.apache.http.client.methods.HttpGet request = new org.apache.http.client.methods.HttpGet(url);
            for (String line : baggage) {
                request.addHeader("baggage", line);
            }
            return client.execute(request, response -> org.apache.http.util.EntityUtils.toString(response.getEntity()));
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    /** Prints, per request of the client version given ({@code 4} or {@code 5}), the raw {@code baggage} lines the server received. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            HttpServer server = BaggageRequests.echoServer();
            int port = server.getAddress().getPort();
            String local = "http://127.0.0.1:" + port + "/";
            try (Client client = args[0].equals("4") ? new Version4() : new Version5()) {
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("execute: " + client.get(local));
                System.out.println("other-host: " + client.get("http://localhost:" + port + "/"));
                System.out.println("redirected-to-other-host: " + client.get(local + "to-other-host"));
                System.out.println("redirected-to-same-host: " + client.get(local + "to-same-host"));
                TaskContext.set("user", "u");
                System.out.println("app-header: " + client.get(local, "rid=app;p=1", "other=o"));
                TaskContext.clear();
                System.out.println("empty-context: " + client.get(local));
            } finally {
                server.stop(0);
            }
        }
    }

    /** The run of client {@code version} with every option on, shared by the tests that read it. */
    private static List<String> runAllOn(String version) throws Exception {
        return BaggageRequests.runOnce(Main.class, ALL_ON, version).stdoutLines();
    }

    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void allowedKeysTravelPercentEncodedAndSecretsStayHome(String version) throws Exception {
        assertThat(runAllOn(version)).contains("execute: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void hostsNotListedGetNoHeader(String version) throws Exception {
        assertThat(runAllOn(version)).contains("other-host: header=null");
    }

    /** Each hop is checked on its own: a redirect to a host not listed gets nothing, one to a listed host gets the header. */
    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void everyRedirectIsCheckedAgainstTheHostList(String version) throws Exception {
        assertThat(runAllOn(version)).contains("redirected-to-other-host: header=null",
                "redirected-to-same-host: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin(String version) throws Exception {
        assertThat(runAllOn(version)).contains("app-header: header=[rid=app;p=1,other=o,user=u]");
    }

    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void anEmptyContextSendsNoHeader(String version) throws Exception {
        assertThat(runAllOn(version)).contains("empty-context: header=null");
    }

    @ParameterizedTest(name = "HttpClient {0}")
    @ValueSource(strings = {"5", "4"})
    void withoutTheOptionsNothingIsSent(String version) throws Exception {
        List<String> lines = BaggageRequests.run(Main.class, "", version).stdoutLines();
        assertThat(lines).contains("execute: header=null", "redirected-to-same-host: header=null",
                "app-header: header=[rid=app;p=1, other=o]");
    }
}
