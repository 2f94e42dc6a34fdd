package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * OkHttp sends the allowed keys of the calling code's context to allowed hosts as W3C {@code baggage},
 * from {@code execute} on the caller's thread and from {@code enqueue} on its dispatcher's threads,
 * checked again for every redirect it follows, against the JDK's {@code HttpServer} on 127.0.0.1 in a
 * JVM started with the options under test.
 */
class OkHttpBaggageTest {

    private static final String ALL_ON = "baggage.out=rid;user,baggage.hosts=127.0.0.1";
    private static final String AWKWARD = "r 1,;%\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%C3%A9";

    /** Prints, per request, the raw {@code baggage} lines the server received. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            HttpServer server = BaggageRequests.echoServer();
            int port = server.getAddress().getPort();
            String local = "http://127.0.0.1:" + port + "/";
            OkHttpClient client = new OkHttpClient();
            try {
                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("execute: " + execute(client, new Request.Builder().url(local).build()));
                System.out.println("enqueue: " + enqueue(client, new Request.Builder().url(local).build()));
                System.out.println("other-host: " + execute(client, new Request.Builder().url("http://localhost:" + port + "/").build()));
                System.out.println("redirected-to-other-host: " + execute(client, new Request.Builder().url(local + "to-other-host").build()));
                System.out.println("redirected-to-same-host: " + execute(client, new Request.Builder().url(local + "to-same-host").build()));
                System.out.println("enqueue-redirected-to-other-host: "
                        + enqueue(client, new Request.Builder().url(local + "to-other-host").build()));
                TaskContext.set("user", "u");
                Request withHeader = new Request.Builder().url(local)
                        .addHeader("baggage", "rid=app;p=1").addHeader("baggage", "other=o").build();
                System.out.println("app-header: " + execute(client, withHeader));
                TaskContext.clear();
                System.out.println("empty-context: " + execute(client, new Request.Builder().url(local).build()));
                // The dispatcher's threads ran calls with entries above: they keep none for the next call.
                System.out.println("empty-context-enqueue: " + enqueue(client, new Request.Builder().url(local).build()));
            } finally {
                client.dispatcher().executorService().shutdown();
                client.connectionPool().evictAll();
                server.stop(0);
            }
        }

        private static String execute(OkHttpClient client, Request request) throws IOException {
            try (Response response = client.newCall(request).execute()) {
                return response.body().string();
            }
        }

        private static String enqueue(OkHttpClient client, Request request) throws Exception {
            CompletableFuture<String> body = new CompletableFuture<>();
            client.newCall(request).enqueue(new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                    body.completeExceptionally(e);
                }

                @Override
                public void onResponse(Call call, Response response) throws IOException {
                    try (response) {
                        body.complete(response.body().string());
                    }
                }
            });
            return body.get(30, TimeUnit.SECONDS);
        }
    }

    /** The run with every option on, shared by the tests that read it. */
    private static JvmRunner.Result runAllOn() throws Exception {
        return BaggageRequests.runOnce(Main.class, ALL_ON);
    }

    @Test
    void allowedKeysTravelPercentEncodedAndSecretsStayHome() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("execute: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    /** {@code enqueue} runs the call on a dispatcher thread, which carries the caller's context. */
    @Test
    void anEnqueuedCallSendsTheCallersEntries() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("enqueue: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void hostsNotListedGetNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("other-host: header=null");
    }

    /** OkHttp copies a request's headers to the redirect's host: the header is added to what goes on the wire only. */
    @Test
    void everyRedirectIsCheckedAgainstTheHostList() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("redirected-to-other-host: header=null",
                "enqueue-redirected-to-other-host: header=null",
                "redirected-to-same-host: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void theApplicationsHeaderIsMergedIntoOneAndItsEntriesWin() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("app-header: header=[rid=app;p=1,other=o,user=u]");
    }

    @Test
    void anEmptyContextSendsNoHeaderAndTheDispatcherKeepsNothing() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("empty-context: header=null", "empty-context-enqueue: header=null");
    }

    @Test
    void withoutTheOptionsNothingIsSent() throws Exception {
        List<String> lines = BaggageRequests.run(Main.class, "").stdoutLines();
        assertThat(lines).contains("execute: header=null", "enqueue: header=null", "redirected-to-same-host: header=null",
                "app-header: header=[rid=app;p=1, other=o]");
    }
}
