package dev.taskctx.it;

import static org.awaitility.Awaitility.await;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * A request whose context holds a large value, for leak tests: {@link #run} runs a body inside it and
 * ends it; {@link #assertCollected} proves with a {@code WeakReference} that nothing kept the value.
 */
final class RequestPayload {

    /** The context key the payload is stored under. */
    static final String KEY = "payload";

    private static final int DEFAULT_BYTES = 1 << 20;

    private RequestPayload() {
    }

    /** A body that runs inside the request. */
    interface Body {
        void run() throws Exception;
    }

    /** {@link #run(int, Body)} with a 1 MB payload. */
    static WeakReference<byte[]> run(Body body) throws Exception {
        return run(DEFAULT_BYTES, body);
    }

    /**
     * Runs {@code body} in a request whose context holds a payload of {@code bytes} under {@link #KEY},
     * ends the request, and returns a weak reference to the payload; nothing else in this frame refers to it.
     */
    static WeakReference<byte[]> run(int bytes, Body body) throws Exception {
        byte[] payload = new byte[bytes];
        WeakReference<byte[]> reference = new WeakReference<>(payload);
        TaskContext.set(KEY, payload);
        payload = null;
        try {
            body.run();
        } finally {
            TaskContext.clear();
        }
        return reference;
    }

    static void assertCollected(WeakReference<byte[]> payload) {
        await("the request's payload is collected")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    System.gc();
                    return payload.get() == null;
                });
    }
}
