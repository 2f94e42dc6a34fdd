package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Shared mode without the agent: explicitly wrapped tasks share the scope's context; plain hand-offs carry nothing. */
@Tag("noagent")
class SharedContextWithoutAgentTest {

    private ExecutorService pool;

    @BeforeEach
    void start() {
        assertThat(TaskContext.agentActive()).isFalse();
        TaskContext.clear();
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stop() throws InterruptedException {
        TaskContext.clear();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void taskWrappedWithCaptureSharesTheScopesContext() throws Exception {
        Object seen = TaskContext.callShared(() -> {
            pool.submit(TaskContext.capture().wrap(() -> TaskContext.set("result", "wrapped")))
                    .get(10, TimeUnit.SECONDS);
            return TaskContext.get("result");
        });
        assertThat(seen).isEqualTo("wrapped");
    }

    @Test
    void concurrentWritersThroughAWrappedExecutorAreAllVisibleAfterJoin() throws Exception {
        int writers = 200;
        ExecutorService wrapped = TaskContext.wrap(pool);
        Map<String, Object> seen = TaskContext.callShared(() -> {
            CountDownLatch allSubmitted = new CountDownLatch(1);
            List<Callable<Object>> tasks = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String key = "result-" + i;
                Integer value = i;
                tasks.add(() -> {
                    allSubmitted.await();
                    TaskContext.set(key, value);
                    return null;
                });
            }
            List<Future<Object>> futures = new ArrayList<>();
            for (Callable<Object> task : tasks) {
                futures.add(wrapped.submit(task));
            }
            allSubmitted.countDown();
            for (Future<Object> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
            return TaskContext.asMap();
        });
        Map<String, Object> expected = new HashMap<>();
        for (int i = 0; i < writers; i++) {
            expected.put("result-" + i, i);
        }
        assertThat(seen).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void plainSubmitInSharedScopeCarriesNothingWithoutAgent() throws Exception {
        TaskContext.set("request_id", "local-only");
        Object[] seenByChild = {"unset"};
        Object seenByParent = TaskContext.callShared(() -> {
            pool.submit(() -> {
                seenByChild[0] = TaskContext.get("request_id");
                TaskContext.set("result", "lost");
            }).get(10, TimeUnit.SECONDS);
            return TaskContext.get("result");
        });
        assertThat(seenByChild[0]).isNull();
        assertThat(seenByParent).isNull();
    }

    @Test
    void callersOwnContextIsBackAfterTheScope() throws Exception {
        TaskContext.set("request_id", "outer");
        TaskContext.runShared(() -> TaskContext.set("request_id", "changed-in-scope"));
        assertThat(TaskContext.asMap()).containsExactly(Map.entry("request_id", "outer"));
    }
}
