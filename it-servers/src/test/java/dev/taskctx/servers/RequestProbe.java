package dev.taskctx.servers;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every server's handler runs for one request, as an application would: it reads the context
 * first (a new request must find it empty), sets {@code rid} (and {@code user} on odd requests, and
 * a large {@code payload} when asked), hands off to a pool, a {@code CompletableFuture} and a new
 * {@code Thread}, and never clears. Whatever it or its hand-offs saw that was not its own is recorded
 * in {@link #problems}; the body it returns names what the hand-offs saw.
 */
final class RequestProbe {

    static final String ID_HEADER = "X-Request-Id";
    /** A request whose id ends with this sets a large payload, for the leak check. */
    static final String PAYLOAD_SUFFIX = "-payload";

    final Queue<String> problems = new ConcurrentLinkedQueue<>();
    /** The payload each payload request set, by id, weakly. */
    final Map<String, WeakReference<byte[]>> payloads = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    /** Runs the request {@code id} (its number's parity decides {@code user}); returns the response body. */
    String handle(String id) {
        Map<String, Object> before = TaskContext.asMap();
        if (!before.isEmpty()) {
            problems.add(id + " started with " + before + " on " + Thread.currentThread().getName());
        }
        TaskContext.set("rid", id);
        boolean odd = id.length() > 0 && (id.charAt(id.length() - 1) & 1) == 1;
        if (odd) {
            TaskContext.set("user", "user-of-" + id);
        }
        if (id.endsWith(PAYLOAD_SUFFIX)) {
            byte[] payload = new byte[4 << 20];
            payloads.put(id, new WeakReference<>(payload));
            TaskContext.set("payload", payload);
        }
        String seen;
        try {
            String pooled = pool.submit(RequestProbe::seen).get(20, TimeUnit.SECONDS);
            String future = CompletableFuture.supplyAsync(RequestProbe::seen).get(20, TimeUnit.SECONDS);
            AtomicReference<String> threadSaw = new AtomicReference<>();
            Thread thread = new Thread(() -> threadSaw.set(seen()));
            thread.start();
            thread.join(20_000);
            seen = pooled + " " + future + " " + threadSaw.get();
        } catch (Exception e) {
            problems.add(id + ": a hand-off failed: " + e);
            return "failed";
        }
        String expected = expected(id);
        if (!seen.equals(expected + " " + expected + " " + expected)) {
            problems.add(id + ": its hand-offs saw " + seen);
        }
        return seen;
    }

    /** What a hand-off of the request {@code id} must see, in the form {@link #seen} gives. */
    static String expected(String id) {
        boolean odd = (id.charAt(id.length() - 1) & 1) == 1;
        return id + "/" + (odd ? "user-of-" + id : "null");
    }

    private static String seen() {
        return TaskContext.get("rid") + "/" + TaskContext.get("user");
    }

    void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
