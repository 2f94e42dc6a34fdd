package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs {@code count} tasks on an executor that each wait until all of them run, so that the executor
 * needs {@code count} threads at once: makes a pool grow, or reaches each of its threads.
 */
final class ConcurrentTasks {

    private ConcurrentTasks() {
    }

    /** What each of {@code count} concurrent tasks saw; asserts they ran on {@code count} distinct threads. */
    static List<Object> seenBy(Executor executor, int count, Supplier<Object> probe) throws Exception {
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
