package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Contract point 4, per pool kind: a request stores a large value, creates a pool and makes it grow,
 * then ends; the value becomes garbage while the pool and its threads live on, and the next task
 * submitted without a context sees nothing. The threads a pool starts while growing are
 * infrastructure: they must not keep the context of the request that happened to start them.
 */
class PoolThreadLeakTest {

    private static final int PAYLOAD_BYTES = 8 << 20;

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private Timer timer;

    @AfterEach
    void cancelTimer() {
        if (timer != null) {
            timer.cancel();
        }
    }

    /** Runs {@code body} in a request whose context holds an 8 MB payload; see {@link RequestPayload}. */
    private static WeakReference<byte[]> request(RequestPayload.Body body) throws Exception {
        return RequestPayload.run(PAYLOAD_BYTES, body);
    }

    private static void assertCollected(WeakReference<byte[]> payload) {
        RequestPayload.assertCollected(payload);
    }

    /** Makes {@code pool} run {@code count} tasks at once, on as many threads; see {@link TaskProbe#seenByConcurrentTasks}. */
    private static void growBy(ExecutorService pool, int count) throws Exception {
        TaskProbe.seenByConcurrentTasks(pool, count, () -> null);
    }

    private static Object payloadSeenVia(ExecutorService pool) throws Exception {
        return pool.submit(() -> TaskContext.get("payload")).get(10, TimeUnit.SECONDS);
    }

    @Test
    void fixedPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService[] pool = new ExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pools.add(Executors.newFixedThreadPool(4));
            growBy(pool[0], 4);
            assertThat(payloadSeenVia(pool[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void cachedPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService[] pool = new ExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pools.add(Executors.newCachedThreadPool());
            growBy(pool[0], 4);
            assertThat(payloadSeenVia(pool[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void scheduledPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ScheduledExecutorService[] pool = new ScheduledExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pools.add(Executors.newScheduledThreadPool(3));
            // ScheduledThreadPoolExecutor starts its workers itself, outside ThreadPoolExecutor.execute.
            growBy(pool[0], 3);
            pool[0].schedule(() -> { }, 1, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
        assertThat(pool[0].schedule(() -> TaskContext.get("payload"), 1, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS))
                .isNull();
    }

    @Test
    void customForkJoinPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ForkJoinPool[] pool = new ForkJoinPool[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pools.add(new ForkJoinPool(3));
            growBy(pool[0], 3);
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void commonPoolUsedInsideRequestKeepsNothing() throws Exception {
        ForkJoinPool common = ForkJoinPool.commonPool();
        WeakReference<byte[]> payload = request(() -> growBy(common, common.getParallelism()));
        assertCollected(payload);
        assertThat(payloadSeenVia(common)).isNull();
    }

    private static Object payloadSeenVia(Timer timer) throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        timer.schedule(new TimerTask() {
            @Override
            public void run() {
                seen.complete(TaskContext.asMap().get("payload"));
            }
        }, 1);
        return seen.get(10, TimeUnit.SECONDS);
    }

    @Test
    void timerCreatedInsideRequestKeepsNothing() throws Exception {
        WeakReference<byte[]> payload = request(() -> {
            timer = new Timer("request-timer");
            payloadSeenVia(timer);
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(timer)).isNull();
    }

    @Test
    void virtualThreadExecutorCreatedInsideRequestKeepsNothing() throws Exception {
        Jdk21Threads.assumeAvailable();
        ExecutorService[] executor = new ExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            executor[0] = pools.add(Jdk21Threads.newVirtualThreadPerTaskExecutor());
            growBy(executor[0], 8);
            assertThat(payloadSeenVia(executor[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(executor[0])).isNull();
    }

    @Test
    void asynchronousChannelGroupCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService handlers = pools.add(Executors.newCachedThreadPool());
        AsynchronousChannelGroup[] group = new AsynchronousChannelGroup[1];
        try {
            WeakReference<byte[]> payload = request(() -> {
                // The group starts an internal event thread now; on JDK 17 a plain Thread whose task is a sun.nio.ch class.
                group[0] = AsynchronousChannelGroup.withCachedThreadPool(handlers, 0);
                try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open(group[0])
                        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                     AsynchronousSocketChannel client = AsynchronousSocketChannel.open(group[0])) {
                    Future<AsynchronousSocketChannel> accepted = server.accept();
                    client.connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
                    accepted.get(10, TimeUnit.SECONDS).close();
                }
            });
            assertCollected(payload);
        } finally {
            if (group[0] != null) {
                group[0].shutdownNow();
            }
        }
    }

    @Test
    void defaultAsynchronousChannelGroupStartedInsideRequestKeepsNothing() throws Exception {
        WeakReference<byte[]> payload = request(() -> {
            // The first channel without a group creates the JVM-wide default group, whose cached pool
            // gets the group's own event-loop task (a sun.nio.ch class) from this thread.
            try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 AsynchronousSocketChannel client = AsynchronousSocketChannel.open()) {
                Future<AsynchronousSocketChannel> accepted = server.accept();
                client.connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
                accepted.get(10, TimeUnit.SECONDS).close();
            }
        });
        assertCollected(payload);
    }
}
