package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract point 4, per pool kind: a request stores a large value, creates a pool and makes it grow,
 * then ends; the value becomes garbage while the pool and its threads live on, and the next task
 * submitted without a context sees nothing. The threads a pool starts while growing are
 * infrastructure: they must not keep the context of the request that happened to start them.
 */
class PoolThreadLeakTest {

    private static final int PAYLOAD_BYTES = 8 << 20;

    private final List<ExecutorService> pools = new ArrayList<>();
    private Timer timer;

    @BeforeEach
    void agentIsActive() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        TaskContext.clear();
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }
        if (timer != null) {
            timer.cancel();
        }
    }

    private <E extends ExecutorService> E pool(E pool) {
        pools.add(pool);
        return pool;
    }

    /** Runs {@code body} in a request whose context holds an 8 MB payload; see {@link RequestPayload}. */
    private static WeakReference<byte[]> request(RequestPayload.Body body) throws Exception {
        return RequestPayload.run(PAYLOAD_BYTES, body);
    }

    private static void assertCollected(WeakReference<byte[]> payload) {
        RequestPayload.assertCollected(payload);
    }

    /** {@code count} tasks that each wait until all of them run: the pool must grow to {@code count} threads. */
    private static List<Callable<Object>> concurrentTasks(int count) {
        CountDownLatch allRunning = new CountDownLatch(count);
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(() -> {
                allRunning.countDown();
                assertThat(allRunning.await(20, TimeUnit.SECONDS)).as("all tasks run at once").isTrue();
                return Thread.currentThread();
            });
        }
        return tasks;
    }

    /** Submits {@code count} concurrent tasks and returns the distinct threads that ran them. */
    private static long growBy(ExecutorService pool, int count) throws Exception {
        List<Future<Object>> results = new ArrayList<>();
        for (Callable<Object> task : concurrentTasks(count)) {
            results.add(pool.submit(task));
        }
        List<Object> threads = new ArrayList<>();
        for (Future<Object> result : results) {
            threads.add(result.get(30, TimeUnit.SECONDS));
        }
        return threads.stream().distinct().count();
    }

    private static Object payloadSeenVia(ExecutorService pool) throws Exception {
        return pool.submit(() -> TaskContext.get("payload")).get(10, TimeUnit.SECONDS);
    }

    @Test
    void fixedPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService[] pool = new ExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pool(Executors.newFixedThreadPool(4));
            assertThat(growBy(pool[0], 4)).isEqualTo(4);
            assertThat(payloadSeenVia(pool[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void cachedPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService[] pool = new ExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pool(Executors.newCachedThreadPool());
            assertThat(growBy(pool[0], 4)).isEqualTo(4);
            assertThat(payloadSeenVia(pool[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void scheduledPoolCreatedInsideRequestKeepsNothing() throws Exception {
        ScheduledExecutorService[] pool = new ScheduledExecutorService[1];
        WeakReference<byte[]> payload = request(() -> {
            pool[0] = pool(Executors.newScheduledThreadPool(3));
            // ScheduledThreadPoolExecutor starts its workers itself, outside ThreadPoolExecutor.execute.
            assertThat(growBy(pool[0], 3)).isEqualTo(3);
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
            pool[0] = pool(new ForkJoinPool(3));
            assertThat(growBy(pool[0], 3)).isEqualTo(3);
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(pool[0])).isNull();
    }

    @Test
    void commonPoolUsedInsideRequestKeepsNothing() throws Exception {
        ForkJoinPool common = ForkJoinPool.commonPool();
        WeakReference<byte[]> payload = request(() -> assertThat(growBy(common, common.getParallelism()))
                .isEqualTo(common.getParallelism()));
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
            executor[0] = pool(Jdk21Threads.newVirtualThreadPerTaskExecutor());
            assertThat(growBy(executor[0], 8)).isEqualTo(8);
            assertThat(payloadSeenVia(executor[0])).as("tasks of the request see its value").isNotNull();
        });
        assertCollected(payload);
        assertThat(payloadSeenVia(executor[0])).isNull();
    }

    @Test
    void asynchronousChannelGroupCreatedInsideRequestKeepsNothing() throws Exception {
        ExecutorService handlers = pool(Executors.newCachedThreadPool());
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
