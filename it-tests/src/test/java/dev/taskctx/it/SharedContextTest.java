package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shared mode (aiotask-context's task_factory) beside the default copying mode: inside
 * TaskContext.runShared the caller and its tasks share one context; outside it, tasks get copies.
 */
class SharedContextTest {

    private ExecutorService pool;

    @BeforeEach
    void start() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
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
    void childSetIsVisibleToParentAfterJoinInSharedScopeButNotInCopyingMode() throws Exception {
        TaskContext.set("request_id", "fan-out-1");

        pool.submit(() -> TaskContext.set("result", "copied")).get(10, TimeUnit.SECONDS);
        Object seenInCopyingMode = TaskContext.get("result");

        Object seenInSharedMode = TaskContext.callShared(() -> {
            pool.submit(() -> TaskContext.set("result", "shared")).get(10, TimeUnit.SECONDS);
            return TaskContext.get("result");
        });

        assertThat(seenInCopyingMode).as("copying mode: the child's set stays in the child").isNull();
        assertThat(seenInSharedMode).as("shared mode: the child's set reaches the parent").isEqualTo("shared");
    }

    @Test
    void sharedScopeStartsWithTheCallersValues() throws Exception {
        TaskContext.set("request_id", "inherited-1");
        Object seen = TaskContext.callShared(() ->
                pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
        assertThat(seen).isEqualTo("inherited-1");
    }

    @Test
    void siblingSeesWhatAnotherSiblingSetInSharedScope() throws Exception {
        Object seenBySecond = TaskContext.callShared(() -> {
            CountDownLatch firstHasSet = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> {
                TaskContext.set("from_first", "first-value");
                firstHasSet.countDown();
            });
            Future<Object> second = pool.submit(() -> {
                firstHasSet.await();
                return TaskContext.get("from_first");
            });
            first.get(10, TimeUnit.SECONDS);
            return second.get(10, TimeUnit.SECONDS);
        });
        assertThat(seenBySecond).isEqualTo("first-value");
    }

    @Test
    void siblingsDoNotSeeEachOthersValuesInCopyingMode() throws Exception {
        CountDownLatch firstHasSet = new CountDownLatch(1);
        pool.submit(() -> {
            TaskContext.set("from_first", "first-value");
            firstHasSet.countDown();
        });
        Future<Object> second = pool.submit(() -> {
            firstHasSet.await();
            return TaskContext.get("from_first");
        });
        assertThat(second.get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void parentSetAfterSubmissionIsVisibleToChildInSharedScope() throws Exception {
        Object seen = TaskContext.callShared(() -> {
            CountDownLatch parentHasSet = new CountDownLatch(1);
            Future<Object> child = pool.submit(() -> {
                parentHasSet.await();
                return TaskContext.get("late_parent_value");
            });
            TaskContext.set("late_parent_value", "after-submission");
            parentHasSet.countDown();
            return child.get(10, TimeUnit.SECONDS);
        });
        assertThat(seen).isEqualTo("after-submission");
    }

    @Test
    void concurrentWritersOfDistinctKeysAreAllVisibleToParentAfterJoin() throws Exception {
        int writers = 200;
        Map<String, Object> seen = TaskContext.callShared(() -> {
            CountDownLatch allSubmitted = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String key = "result-" + i;
                Integer value = i;
                tasks.add(pool.submit(() -> {
                    allSubmitted.await();
                    TaskContext.set(key, value);
                    return null;
                }));
            }
            allSubmitted.countDown();
            for (Future<?> task : tasks) {
                task.get(30, TimeUnit.SECONDS);
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
    void grandchildSetReachesTheParentInSharedScope() throws Exception {
        Object seen = TaskContext.callShared(() -> {
            pool.submit(() -> pool.submit(() -> TaskContext.set("from_grandchild", "deep")).get(10, TimeUnit.SECONDS))
                    .get(10, TimeUnit.SECONDS);
            return TaskContext.get("from_grandchild");
        });
        assertThat(seen).isEqualTo("deep");
    }

    @Test
    void newThreadSharesTheScopesContext() throws Exception {
        Object seen = TaskContext.callShared(() -> {
            Thread thread = new Thread(() -> TaskContext.set("from_thread", "thread-value"));
            thread.start();
            thread.join(TimeUnit.SECONDS.toMillis(30));
            return TaskContext.get("from_thread");
        });
        assertThat(seen).isEqualTo("thread-value");
    }

    /** An application executor: the agent wraps the task at execute. */
    static final class ThreadPerTaskExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            new Thread(task).start();
        }
    }

    @Test
    void ownExecutorTaskSharesTheScopesContext() throws Exception {
        Object seen = TaskContext.callShared(() -> {
            CountDownLatch done = new CountDownLatch(1);
            new ThreadPerTaskExecutor().execute(() -> {
                TaskContext.set("from_own_executor", "own");
                done.countDown();
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            return TaskContext.get("from_own_executor");
        });
        assertThat(seen).isEqualTo("own");
    }

    @Test
    void callersOwnContextIsBackAfterTheScope() throws Exception {
        TaskContext.set("request_id", "outer");
        TaskContext.runShared(() -> {
            TaskContext.set("request_id", "changed-in-scope");
            TaskContext.set("scope_only", "x");
            await(pool.submit(() -> TaskContext.set("from_child", "y")));
        });
        assertThat(TaskContext.asMap()).containsExactly(Map.entry("request_id", "outer"));
    }

    @Test
    void callersOwnContextIsBackWhenTheScopeThrows() {
        TaskContext.set("request_id", "outer");
        assertThatThrownBy(() -> TaskContext.runShared(() -> {
            TaskContext.set("request_id", "changed-in-scope");
            throw new IllegalStateException("boom in scope");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom in scope");
        assertThat(TaskContext.asMap()).containsExactly(Map.entry("request_id", "outer"));
    }

    @Test
    void copyingModeHoldsAgainAfterTheScope() throws Exception {
        TaskContext.runShared(() -> await(pool.submit(() -> TaskContext.set("in_scope", "shared"))));
        pool.submit(() -> TaskContext.set("after_scope", "copied")).get(10, TimeUnit.SECONDS);
        assertThat(TaskContext.get("after_scope")).isNull();
        assertThat(TaskContext.get("in_scope")).isNull();
    }

    @Test
    void taskOutlivingTheScopeKeepsTheSharedContextButCannotReachTheCaller() throws Exception {
        CountDownLatch scopeReturned = new CountDownLatch(1);
        CompletableFuture<Object> seenByStraggler = new CompletableFuture<>();
        TaskContext.runShared(() -> {
            pool.submit(() -> {
                scopeReturned.await();
                TaskContext.set("late", "after-scope");
                seenByStraggler.complete(TaskContext.get("set_in_scope"));
                return null;
            });
            TaskContext.set("set_in_scope", "scope-value");
        });
        scopeReturned.countDown();
        assertThat(seenByStraggler.get(10, TimeUnit.SECONDS)).isEqualTo("scope-value");
        assertThat(TaskContext.asMap()).isEmpty();
    }

    @Test
    void nestedScopeStartsWithACopyAndDoesNotWriteToTheEnclosingScope() throws Exception {
        Map<String, Object> outerAfterInner = TaskContext.callShared(() -> {
            TaskContext.set("outer_value", "o");
            Object seenInInner = TaskContext.callShared(() -> {
                await(pool.submit(() -> TaskContext.set("inner_value", "i")));
                return TaskContext.get("outer_value");
            });
            assertThat(seenInInner).isEqualTo("o");
            return TaskContext.asMap();
        });
        assertThat(outerAfterInner).containsExactly(Map.entry("outer_value", "o"));
    }

    @Test
    void clearInSharedScopeEmptiesItForEveryTask() throws Exception {
        TaskContext.set("request_id", "to-clear");
        Map<String, Object> seen = TaskContext.callShared(() -> {
            await(pool.submit(TaskContext::clear));
            return TaskContext.asMap();
        });
        assertThat(seen).isEmpty();
        assertThat(TaskContext.get("request_id")).isEqualTo("to-clear");
    }

    @Test
    void workerHasNoContextAfterASharedScopeTask() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            TaskContext.runShared(() -> await(single.submit(() -> TaskContext.set("result", "r"))));
            assertThat(single.submit(TaskContext::asMap).get(10, TimeUnit.SECONDS)).isEmpty();
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void captureInSharedScopeIsTheSharedHandleAndOutsideAnImmutableCopy() throws Exception {
        TaskContext.set("request_id", "r");
        assertThat(TaskContext.capture().isShared()).isFalse();
        TaskContext.runShared(() -> {
            assertThat(TaskContext.capture().isShared()).isTrue();
            assertThat(TaskContext.capture()).isSameAs(TaskContext.capture());
        });
    }

    private static void await(Future<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
