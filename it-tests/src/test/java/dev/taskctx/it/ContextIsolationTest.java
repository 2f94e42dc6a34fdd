package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskctx.TaskContext;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Contract points 1-3: snapshot at submission, copies not sharing, the worker's own context back after each task. */
class ContextIsolationTest {

    private ExecutorService pool;

    @BeforeEach
    void start() {
        TaskContext.clear();
        pool = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() throws InterruptedException {
        TaskContext.clear();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void taskSeesSnapshotTakenAtSubmissionNotLaterChanges() throws Exception {
        CountDownLatch submitted = new CountDownLatch(1);
        TaskContext.set("request_id", "before");
        Future<Object> seen = pool.submit(() -> {
            submitted.await();
            return TaskContext.get("request_id");
        });
        TaskContext.set("request_id", "after");
        submitted.countDown();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("before");
    }

    @Test
    void siblingsNeverSeeEachOthersChanges() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            TaskContext.set("request_id", "parent");
            CountDownLatch bothSet = new CountDownLatch(2);
            Future<Map<String, Object>> first = two.submit(() -> {
                TaskContext.set("task_data", "first");
                bothSet.countDown();
                bothSet.await();
                return TaskContext.asMap();
            });
            Future<Map<String, Object>> second = two.submit(() -> {
                TaskContext.set("task_data", "second");
                bothSet.countDown();
                bothSet.await();
                return TaskContext.asMap();
            });
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactlyInAnyOrderEntriesOf(
                    Map.of("request_id", "parent", "task_data", "first"));
            assertThat(second.get(10, TimeUnit.SECONDS)).containsExactlyInAnyOrderEntriesOf(
                    Map.of("request_id", "parent", "task_data", "second"));
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void workerHasNoContextAfterThrowingTask() throws Exception {
        TaskContext.set("request_id", "throws");
        Future<Object> failed = pool.submit(() -> {
            throw new IllegalStateException("boom");
        });
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        TaskContext.clear();
        assertThat(pool.submit(TaskContext::asMap).get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void emptyContextAtSubmissionMeansEmptyInTask() throws Exception {
        TaskContext.set("request_id", "first");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get()).isEqualTo("first");
        TaskContext.clear();
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get()).isNull();
    }

    @Test
    void sameTaskObjectQueuedByTwoRequestsRunsOnceInEachContext() throws Exception {
        assertThat(runsOfOneTaskObjectQueuedBy("request-A", "request-B")).containsExactly("request-A", "request-B");
    }

    @Test
    void sameTaskObjectQueuedThreeTimesByOneRequestRunsThreeTimesInItsContext() throws Exception {
        assertThat(runsOfOneTaskObjectQueuedBy("request-A", "request-A", "request-A"))
                .containsExactly("request-A", "request-A", "request-A");
    }

    /**
     * Queues one {@code Runnable} object once per request, each time with that request's context, while
     * the pool's only worker is held, so that every hand-off finds the earlier ones still waiting; returns
     * the {@code request_id} each run saw, in order.
     */
    private java.util.List<Object> runsOfOneTaskObjectQueuedBy(String... requests) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        java.util.List<Object> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        CountDownLatch ran = new CountDownLatch(requests.length);
        Runnable shared = () -> {
            seen.add(TaskContext.get("request_id"));
            ran.countDown();
        };
        for (String request : requests) {
            TaskContext.set("request_id", request);
            pool.execute(shared);
        }
        TaskContext.clear();
        release.countDown();
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        return seen;
    }

    @Test
    void removeAndClearInTaskAffectOnlyTheTask() throws Exception {
        TaskContext.set("request_id", "keep");
        TaskContext.set("other", "keep-too");
        Map<String, Object> seen = pool.submit(() -> {
            TaskContext.remove("request_id");
            Map<String, Object> afterRemove = TaskContext.asMap();
            TaskContext.clear();
            return afterRemove;
        }).get(10, TimeUnit.SECONDS);
        assertThat(seen).containsExactly(Map.entry("other", "keep-too"));
        assertThat(TaskContext.asMap()).containsOnly(Map.entry("request_id", "keep"), Map.entry("other", "keep-too"));
    }
}
