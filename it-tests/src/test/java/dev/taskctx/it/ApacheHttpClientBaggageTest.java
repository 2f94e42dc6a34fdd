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
import org.junit.jupiter.api.Test;

/**
 * Apache HttpClient 5's classic client sends the allowed keys of the calling code's context to allowed
 * hosts as W3C {@code baggage}, checked again for every redirect it follows, against the JDK's
 * {@code HttpServer} on 127.0.0.1 in a JVM started with the options under test.
 */
class ApacheHttpClientBaggageTest {

    private static final String ALL_ON = "baggage.out=rid;user,baggage.hosts=127.0.0.1";
    private static final String AWKWARD = "r 1,;%\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%C3%A9";

    /** Prints, per request, the raw {@code baggage} lines the server received. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            HttpServer server = BaggageRequests.echoServer();
            int port = server.getAddress().getPort();
            String local = "http://127.0.0.1:" + port + "/";
            try (CloseableHttpClient client = HttpClients.createDefault()) {
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("execute: " + get(client, new HttpGet(local)));
                System.out.println("other-host: " + get(client, new HttpGet("http://localhost:" + port + "/")));
                System.out.println("redirected-to-other-host: " + get(client, new HttpGet(local + "to-other-host")));
                System.out.println("redirected-to-same-host: " + get(client, new HttpGet(local + "to-same-host")));
                TaskContext.set("user", "u");
                HttpGet withHeader = new HttpGet(local);
                withHeader.addHeader("baggage", "rid=app;p=1");
                withHeader.addHeader("baggage", "other=o");
                System.out.println("app-header: " + get(client, withHeader));
                TaskContext.clear();
                System.out.println("empty-context: " + get(client, new HttpGet(local)));
            } finally {
                server.stop(0);
            }
        }

        private static String get(CloseableHttpClient client, HttpGet request) throws IOException {
            return client.execute(request, response -> EntityUtils.toString(response.getEntity()));
        }
    }

    private static JvmRunner.Result allOn;

    /** The run with every option on, shared by the tests that read it. */
    private static synchronized JvmRunner.Result runAllOn() throws Exception {
        if (allOn == null) {
            allOn = BaggageRequests.run(Main.class, ALL_ON);
        }
        return allOn;
    }

    @Test
    void allowedKeysTravelPercentEncodedAndSecretsStayHome() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("execute: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void hostsNotListedGetNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("other-host: header=null");
    }

    /** Each hop is checked on its own: a redirect to a host not listed gets nothing, one to a listed host gets the header. */
    @Test
    void everyRedirectIsCheckedAgainstTheHostList() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("redirected-to-other-host: header=null",
                "redirected-to-same-host: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("app-header: header=[rid=app;p=1,other=o,user=u]");
    }

    @Test
    void anEmptyContextSendsNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("empty-context: header=null");
    }

    @Test
    void withoutTheOptionsNothingIsSent() throws Exception {
        List<String> lines = BaggageRequests.run(Main.class, "").stdoutLines();
        assertThat(lines).contains("execute: header=null", "redirected-to-same-host: header=null",
                "app-header: header=[rid=app;p=1, other=o]");
    }
}
