package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.undertow.server.HttpHandler;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A non-blocking handler: Undertow runs it inline on the XNIO I/O thread that read the request. */
class UndertowNonBlockingServerTest extends UndertowServerTest {

    @Override
    protected HttpHandler handler() {
        return probing();
    }

    /**
     * {@code exchange.dispatch(executor, handler)} continues the request on the executor: the dispatched
     * handler sees what the request set before dispatching, and the next request on the connection
     * (on the same I/O thread) starts empty.
     */
    @Test
    void dispatchedHandlerSeesWhatItsRequestSetBeforeDispatching() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            int port = start(exchange -> {
                String id = exchange.getRequestHeaders().getFirst(RequestProbe.ID_HEADER);
                Map<String, Object> before = TaskContext.asMap();
                if (!before.isEmpty()) {
                    probe.problems.add(id + " started with " + before + " on " + Thread.currentThread().getName());
                }
                TaskContext.set("rid", id);
                exchange.dispatch(workers, dispatched -> answer(dispatched, String.valueOf(TaskContext.get("rid"))));
            });
            List<String> ids = IntStream.range(0, 20).mapToObj(i -> "dispatched-" + i).toList();
            assertThat(answers(port, ids, false)).isEqualTo(ids);
            assertThat(probe.problems).isEmpty();
        } finally {
            workers.shutdownNow();
        }
    }

    /**
     * A request body that arrives after its handler returned is read in a later I/O event of the
     * I/O thread, which runs the body's callback: that callback sees nothing of what another
     * request's callback, run on the same thread before it, set and never cleared.
     */
    @Test
    void bodyCallbackDoesNotSeeWhatAnEarlierRequestsCallbackSet() throws Exception {
        BlockingQueue<String> waitingForBody = new LinkedBlockingQueue<>();
        int port = start(exchange -> {
            String id = exchange.getRequestHeaders().getFirst(RequestProbe.ID_HEADER);
            TaskContext.set("rid", id);
            exchange.getRequestReceiver().receiveFullString((received, body) -> {
                Map<String, Object> seen = TaskContext.asMap();
                if (!seen.isEmpty() && !seen.equals(Map.of("rid", id))) {
                    probe.problems.add("the body callback of " + id + " saw " + seen);
                }
                TaskContext.set("body", body);
                answer(received, body);
            });
            waitingForBody.add(id);
        });
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < 10; i++) {
                String id = "body-" + i;
                String body = "the body of " + id;
                out.write(("POST /request HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + RequestProbe.ID_HEADER + ": "
                        + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(waitingForBody.poll(30, TimeUnit.SECONDS)).as("the handler of %s returned", id).isEqualTo(id);
                out.write(body.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readResponse(in)).isEqualTo(body);
            }
        }
        assertThat(probe.problems).isEmpty();
    }
}
