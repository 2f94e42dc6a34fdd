package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskctx.TaskContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An event-loop group built inside a request (a server started there, a client made per request)
 * outlives it: nothing the group's constructor sets up, such as the listener it adds to each loop's
 * termination future, may keep the request's values reachable.
 */
class NettyEventLoopGroupLeakTest {

    private EventLoopGroup group;

    @AfterEach
    void shutDown() {
        TaskContext.clear();
        if (group != null) {
            assertThat(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS))
                    .as("the group terminates: its loops' termination listeners still run").isTrue();
        }
    }

    @Test
    void groupConstructedInsideARequestKeepsNothingOfIt() throws Exception {
        WeakReference<byte[]> payload = constructGroupInsideARequest();
        assertThat(group.submit(() -> TaskContext.get("payload")).get(10, TimeUnit.SECONDS))
                .as("a task submitted without a context").isNull();
        await("the request's payload is collected").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    System.gc();
                    return payload.get() == null;
                });
        assertThat(group.isShutdown()).as("the group lives on").isFalse();
    }

    /** Builds {@link #group} in a request holding a 4 MB payload, ends the request; nothing in this frame keeps the payload. */
    private WeakReference<byte[]> constructGroupInsideARequest() {
        byte[] payload = new byte[4 << 20];
        WeakReference<byte[]> reference = new WeakReference<>(payload);
        TaskContext.set("payload", payload);
        payload = null;
        try {
            group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        } finally {
            TaskContext.clear();
        }
        return reference;
    }
}
