package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jetty's {@code QueuedThreadPool} (jetty-util 12.1): its own queue, and threads running its
 * {@code QueuedThreadPool$Runner} loop, started eagerly in {@code start()} (min threads) and while it
 * grows inside {@code execute}.
 */
class JettyPropagationTest {

    private final List<QueuedThreadPool> started = new ArrayList<>();

    @RegisterExtension
    final AgentPools agent = new AgentPools();

    @AfterEach
    void stop() throws Exception {
        for (QueuedThreadPool pool : started) {
            pool.stop();
        }
    }

    private QueuedThreadPool pool(int minThreads, int maxThreads) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, minThreads);
        // No reserved threads unless a test asks for them: every execute() meets the queue and an idle Runner.
        pool.setReservedThreads(0);
        pool.setName("jetty-test");
        started.add(pool);
        return pool;
    }

    @Test
    void executeSeesSubmitterValue() throws Exception {
        QueuedThreadPool pool = pool(1, 4);
        pool.start();
        TaskContext.set("rid", "jetty-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("jetty-1");
        TaskContext.set("rid", "jetty-2");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("jetty-2");
    }

    @Test
    void workerDoesNotKeepWhatATaskSetWhenSubmittersHadNoContext() throws Exception {
        QueuedThreadPool pool = pool(1, 1);
        pool.start();
        assertThat(TaskProbe.seenAfterATaskSet(pool, "rid")).isNull();
    }

    @Test
    void workerDoesNotKeepSubmitterValueAfterTask() throws Exception {
        QueuedThreadPool pool = pool(1, 1);
        pool.start();
        TaskContext.set("rid", "request-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("request-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(pool, "rid")).isNull();
    }

    @Test
    void poolGrownInsideRequestKeepsNothing() throws Exception {
        QueuedThreadPool pool = pool(1, 6);
        pool.start();
        WeakReference<byte[]> payload = RequestPayload.run(() ->
                assertThat(TaskProbe.seenByConcurrentTasks(pool, 6, () -> TaskContext.get(RequestPayload.KEY) != null))
                        .as("the request's tasks see its value").containsOnly(true));
        assertThat(TaskProbe.seenByConcurrentTasks(pool, pool.getThreads(), () -> Objects.toString(TaskContext.get(RequestPayload.KEY))))
                .as("context-free tasks on every thread").containsOnly("null");
        RequestPayload.assertCollected(payload);
        assertThat(pool.isRunning()).isTrue();
    }

    @Test
    void poolStartedInsideRequestKeepsNothing() throws Exception {
        QueuedThreadPool pool = pool(4, 4);
        // start() starts the min threads eagerly, on this thread, outside any execute().
        WeakReference<byte[]> payload = RequestPayload.run(pool::start);
        assertThat(TaskProbe.seenByConcurrentTasks(pool, 4, () -> Objects.toString(TaskContext.get(RequestPayload.KEY))))
                .as("context-free tasks on every thread").containsOnly("null");
        RequestPayload.assertCollected(payload);
        assertThat(pool.isRunning()).isTrue();
    }

    /**
     * {@code tryExecute} hands the task to a reserved thread that is already waiting (Jetty's
     * {@code ReservedThreadExecutor}, used by its execution strategies), not through {@code execute}.
     */
    @Test
    void tryExecuteOnAReservedThreadSeesSubmitterValue() throws Exception {
        QueuedThreadPool pool = pool(2, 4);
        pool.setReservedThreads(1);
        pool.start();
        // The first try finds no reserved thread and starts one; it then waits for tasks.
        assertThat(pool.tryExecute(() -> { })).isFalse();
        await("a reserved thread waits").atMost(Duration.ofSeconds(10)).until(() -> pool.getAvailableReservedThreads() == 1);
        TaskContext.set("rid", "reserved-1");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        assertThat(pool.tryExecute(() -> seen.complete(TaskContext.get("rid")))).as("taken by the reserved thread").isTrue();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("reserved-1");
    }

    @Test
    void reservedThreadKeepsNothingAfterTask() throws Exception {
        QueuedThreadPool pool = pool(2, 4);
        pool.setReservedThreads(1);
        pool.start();
        assertThat(pool.tryExecute(() -> { })).isFalse();
        await("a reserved thread waits").atMost(Duration.ofSeconds(10)).until(() -> pool.getAvailableReservedThreads() == 1);
        CompletableFuture<Thread> reserved = new CompletableFuture<>();
        TaskContext.set("rid", "reserved-1");
        assertThat(pool.tryExecute(() -> {
            TaskContext.set("step", "set-by-task");
            reserved.complete(Thread.currentThread());
        })).isTrue();
        Thread first = reserved.get(10, TimeUnit.SECONDS);
        TaskContext.clear();
        // The thread reserves itself again after its task and waits for the next one.
        await("the thread is reserved again").atMost(Duration.ofSeconds(10)).until(() -> pool.getAvailableReservedThreads() == 1);
        CompletableFuture<Object> seen = new CompletableFuture<>();
        CompletableFuture<Thread> second = new CompletableFuture<>();
        assertThat(pool.tryExecute(() -> {
            second.complete(Thread.currentThread());
            seen.complete(TaskContext.asMap());
        })).isTrue();
        assertThat(second.get(10, TimeUnit.SECONDS)).as("the same reserved thread").isSameAs(first);
        assertThat(seen.get(10, TimeUnit.SECONDS)).as("a later task without a context").isEqualTo(java.util.Map.of());
    }

    /**
     * A reserved thread is a long-running task of the pool, started by {@code tryExecute} when none
     * waits: started inside a request, it must not run the tasks of later callers in that request's
     * context.
     */
    @Test
    void reservedThreadStartedInsideRequestKeepsNothing() throws Exception {
        QueuedThreadPool pool = pool(2, 4);
        pool.setReservedThreads(1);
        pool.start();
        WeakReference<byte[]> payload = RequestPayload.run(() -> {
            assertThat(pool.tryExecute(() -> { })).isFalse();
            await("a reserved thread waits").atMost(Duration.ofSeconds(10)).until(() -> pool.getAvailableReservedThreads() == 1);
        });
        CompletableFuture<Object> seen = new CompletableFuture<>();
        assertThat(pool.tryExecute(() -> seen.complete(Objects.toString(TaskContext.get(RequestPayload.KEY))))).isTrue();
        assertThat(seen.get(10, TimeUnit.SECONDS)).as("a later task without a context").isEqualTo("null");
        RequestPayload.assertCollected(payload);
    }
}
