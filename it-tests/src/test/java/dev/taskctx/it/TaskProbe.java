package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Tasks that report what they saw, for the library it-tests. */
final class TaskProbe {

    private TaskProbe() {
    }

    /** The value of {@code key} that one task handed to {@code executor} saw. */
    static Object seenVia(Executor executor, String key) throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        executor.execute(() -> seen.complete(TaskContext.get(key)));
        return seen.get(10, TimeUnit.SECONDS);
    }

    /**
     * Hands {@code executor} a task that sets {@code key} and returns, then returns the value of
     * {@code key} that a second task sees; both are handed off from this thread's context.
     */
    static Object seenAfterATaskSet(Executor executor, String key) throws Exception {
        CompletableFuture<Void> setter = new CompletableFuture<>();
        executor.execute(() -> {
            TaskContext.set(key, "set-by-an-earlier-task");
            setter.complete(null);
        });
        setter.get(10, TimeUnit.SECONDS);
        return seenVia(executor, key);
    }

    /**
     * What each of {@code count} tasks saw that each wait until all of them run, so that the executor
     * needs {@code count} threads at once (it grows, or each of its threads takes one); asserts they ran
     * on {@code count} distinct threads.
     */
    static List<Object> seenByConcurrentTasks(Executor executor, int count, Supplier<Object> probe) throws Exception {
        CountDownLatch allRunning = new CountDownLatch(count);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Object>> seen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            seen.add(result);
            executor.execute(() -> {
                try {
                    threads.add(Thread.currentThread());
                    allRunning.countDown();
                    assertThat(allRunning.await(20, TimeUnit.SECONDS)).as("all tasks run at once").isTrue();
                    result.complete(probe.get());
                } catch (Throwable failed) {
                    result.completeExceptionally(failed);
                }
            });
        }
        List<Object> values = new ArrayList<>();
        for (CompletableFuture<Object> result : seen) {
            values.add(result.get(30, TimeUnit.SECONDS));
        }
        assertThat(threads).as("distinct threads").hasSize(count);
        return values;
    }
}
