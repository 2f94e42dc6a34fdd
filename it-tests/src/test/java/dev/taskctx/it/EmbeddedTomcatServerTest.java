package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded Tomcat (tomcat-embed-core 11, NIO connector, 8 request threads so that they are reused)
 * whose servlet reads {@code rid} before setting it from the request's header, then hands a task to a
 * pool: no request sees a value left by an earlier one, and each handed-off task sees its own request's.
 */
class EmbeddedTomcatServerTest {

    private static final int WAVE = 50;

    /** Silences Tomcat's start-up and shut-down lines; a strong reference, as JUL keeps loggers weakly. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

    @TempDir
    Path baseDir;

    private Tomcat tomcat;
    private ExecutorService handOffPool;
    private ExecutorService clientPool;
    private HttpClient client;
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();

    /**
     * Reads rid (and checks the whole context is empty) before setting rid from the header, hands a
     * task off, answers with the rid it saw before and the one its task saw.
     */
    final class RequestServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String id = request.getHeader("X-Request-Id");
            Object before = TaskContext.get("rid");
            if (!TaskContext.asMap().isEmpty()) {
                problems.add(id + " saw the context " + TaskContext.asMap().keySet() + " before setting rid");
            }
            TaskContext.set("rid", id);
            Object handedOff;
            try {
                handedOff = handOffPool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException(e);
            }
            if (!id.equals(handedOff)) {
                problems.add(id + ": its pool task saw rid=" + handedOff);
            }
            response.setContentType("text/plain");
            response.getWriter().print(before + " " + handedOff);
        }
    }

    @BeforeEach
    void startClient() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        TOMCAT_LOG.setLevel(Level.WARNING);
        handOffPool = Executors.newFixedThreadPool(4);
        // JDK 17's HttpClient has no close(); its pool is shut down after the test.
        clientPool = Executors.newFixedThreadPool(2);
        client = HttpClient.newBuilder().executor(clientPool).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Starts Tomcat: its acceptor, poller and request threads start on this thread, in its context. */
    private void startServer() throws Exception {
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", "8");
        connector.setProperty("minSpareThreads", "2");
        tomcat.setConnector(connector);
        Path docBase = Files.createDirectories(baseDir.resolve("webapp"));
        Context context = tomcat.addContext("", docBase.toString());
        Tomcat.addServlet(context, "request", new RequestServlet());
        context.addServletMappingDecoded("/*", "request");
        tomcat.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        TaskContext.clear();
        clientPool.shutdownNow();
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        handOffPool.shutdownNow();
        assertThat(handOffPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(clientPool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private List<String> wave(String name) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/request");
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            HttpRequest request = HttpRequest.newBuilder(uri).header("X-Request-Id", name + "-" + i)
                    .timeout(Duration.ofSeconds(20)).GET().build();
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            HttpResponse<String> response = responses.get(i).get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            bodies.add(response.body());
        }
        return bodies;
    }

    @Test
    void everyRequestStartsEmptyAndItsHandOffsSeeItsOwnValue() throws Exception {
        startServer();
        List<String> first = wave("first");
        List<String> second = wave("second");
        assertThat(problems).isEmpty();
        for (int i = 0; i < WAVE; i++) {
            assertThat(first.get(i)).isEqualTo("null first-" + i);
            assertThat(second.get(i)).isEqualTo("null second-" + i);
        }
    }

    /**
     * Tomcat's acceptor, poller and request threads started inside a request keep nothing of it: the
     * poller (a plain {@code Thread} running {@code NioEndpoint$Poller}) hands every connection's
     * {@code SocketProcessor} to the request threads, so a context it kept would reach every request.
     * The payload itself is not required to be collected: {@code start()} also schedules periodic tasks
     * on Tomcat's utility executor ({@code AbstractProtocol}'s timeout checks, the container background
     * processor), and every run of a periodic task keeps the snapshot it was scheduled with.
     */
    @Test
    void serverStartedInsideRequestServesRequestsWithEmptyContexts() throws Exception {
        RequestPayload.run(this::startServer);
        List<String> responses = wave("after-start");
        assertThat(problems).isEmpty();
        for (int i = 0; i < WAVE; i++) {
            assertThat(responses.get(i)).isEqualTo("null after-start-" + i);
        }
    }
}
