package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.MoreExecutors;
import dev.taskctx.TaskContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.util.thread.SerializedExecutor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Serial queues over a pool (Guava's {@code newSequentialExecutor}, Jetty's {@code SerializedExecutor}):
 * {@code execute} queues the task and, when the queue is idle, hands one drainer to the pool, which runs
 * every task queued meanwhile. Each task runs with the values of the code that queued it, and the
 * drainer lends none: neither those of the code that started it nor what an earlier task set. Both are
 * application {@code Executor}s to the agent: the task is wrapped with its submitter's snapshot, and the
 * drainer, handed off inside that {@code execute}, carries nothing.
 */
class SerialExecutorPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private static final Map<String, Function<Executor, Executor>> SERIAL = Map.of(
            "guava", MoreExecutors::newSequentialExecutor,
            "jetty", SerializedExecutor::new);

    @ParameterizedTest
    @ValueSource(strings = {"guava", "jetty"})
    void eachQueuedTaskSeesTheCodeThatQueuedItAndNothingOfTheDrain(String kind) throws Exception {
        ExecutorService pool = pools.add(Executors.newFixedThreadPool(1));
        Executor serial = SERIAL.get(kind).apply(pool);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Map<String, Object>> first = new CompletableFuture<>();
        CompletableFuture<Map<String, Object>> second = new CompletableFuture<>();
        CompletableFuture<Map<String, Object>> third = new CompletableFuture<>();

        TaskContext.set("rid", "starts-the-drain");
        serial.execute(() -> {
            first.complete(TaskContext.asMap());
            firstRunning.countDown();
            Latches.awaitQuietly(release);
            TaskContext.set("left", "by-first"); // never cleared
        });
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        // Queued while the first runs: the same drain runs them.
        TaskContext.set("rid", "queued-second");
        serial.execute(() -> {
            second.complete(TaskContext.asMap());
            TaskContext.set("left", "by-second");
        });
        TaskContext.clear();
        serial.execute(() -> third.complete(TaskContext.asMap()));
        release.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(Map.entry("rid", "starts-the-drain"));
        assertThat(second.get(10, TimeUnit.SECONDS)).as("a task queued with values, run by another task's drain")
                .containsExactly(Map.entry("rid", "queued-second"));
        assertThat(third.get(10, TimeUnit.SECONDS)).as("a task queued without values, run by a drain started with values")
                .isEmpty();
        assertThat(pool.submit(TaskContext::asMap).get(10, TimeUnit.SECONDS))
                .as("the pool's worker after the drain").isEmpty();
    }
}
