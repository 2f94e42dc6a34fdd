package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Contract point 7: without -javaagent the context is thread-local and explicit propagation works. */
@Tag("noagent")
class NoAgentTest {

    private ExecutorService pool;

    @BeforeEach
    void start() {
        TaskContext.clear();
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        TaskContext.clear();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void agentActiveIsFalse() {
        assertThat(TaskContext.agentActive()).isFalse();
    }

    @Test
    void plainSubmitDoesNotPropagate() throws Exception {
        TaskContext.set("request_id", "local-only");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get()).isNull();
    }

    @Test
    void newThreadDoesNotInherit() throws Exception {
        TaskContext.set("request_id", "local-only");
        Object[] seen = {"unset"};
        Thread thread = new Thread(() -> seen[0] = TaskContext.get("request_id"));
        thread.start();
        thread.join();
        assertThat(seen[0]).isNull();
    }

    @Test
    void snapshotWrapRunnablePropagatesAndRestores() throws Exception {
        TaskContext.set("request_id", "explicit-1");
        Snapshot snapshot = TaskContext.capture();
        Object[] seen = new Object[1];
        pool.submit(snapshot.wrap(() -> {
            seen[0] = TaskContext.get("request_id");
        })).get();
        assertThat(seen[0]).isEqualTo("explicit-1");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get())
                .as("the worker's context is back after the wrapped task").isNull();
    }

    @Test
    void snapshotWrapCallablePropagates() throws Exception {
        TaskContext.set("request_id", "explicit-2");
        assertThat(pool.submit(TaskContext.capture().wrap(() -> TaskContext.get("request_id"))).get())
                .isEqualTo("explicit-2");
    }

    @Test
    void wrappedExecutorServicePropagatesSubmitAndInvokeAll() throws Exception {
        ExecutorService wrapped = TaskContext.wrap(pool);
        TaskContext.set("request_id", "wrapped-1");
        Future<Object> submitted = wrapped.submit(() -> TaskContext.get("request_id"));
        assertThat(submitted.get()).isEqualTo("wrapped-1");
        for (Future<Object> f : wrapped.invokeAll(java.util.List.of(() -> TaskContext.get("request_id")))) {
            assertThat(f.get()).isEqualTo("wrapped-1");
        }
        java.util.List<java.util.concurrent.Callable<Object>> one = java.util.List.of(() -> TaskContext.get("request_id"));
        Object seenByAny = wrapped.invokeAny(one);
        assertThat(seenByAny).isEqualTo("wrapped-1");
    }

    @Test
    void wrappedExecutorPropagates() throws Exception {
        Executor wrapped = TaskContext.wrap((Executor) pool);
        TaskContext.set("request_id", "wrapped-2");
        java.util.concurrent.CompletableFuture<Object> seen = new java.util.concurrent.CompletableFuture<>();
        wrapped.execute(() -> seen.complete(TaskContext.get("request_id")));
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("wrapped-2");
    }
}
