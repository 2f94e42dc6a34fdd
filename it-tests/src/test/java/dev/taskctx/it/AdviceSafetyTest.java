package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskctx.TaskContext;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Contract point 6: the agent's advice never throws into application code and never calls the
 * application's objects other than to run them; a failed hand-off leaves the thread as it was.
 */
class AdviceSafetyTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private ExecutorService pool() {
        return pools.add(Executors.newFixedThreadPool(1));
    }

    /** What a thread started now inherits: the submitter's context unless a hand-off were left open. */
    private static Object seenByNewThread() throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        new Thread(() -> seen.complete(TaskContext.get("request_id"))).start();
        return seen.get(10, TimeUnit.SECONDS);
    }

    @Test
    void poolExecuteWithNullThrowsTheUsualNullPointerException() {
        ExecutorService pool = pool();
        TaskContext.set("request_id", "null-task");
        assertThatThrownBy(() -> pool.execute(null)).isExactlyInstanceOf(NullPointerException.class);
        assertThat(TaskContext.get("request_id")).isEqualTo("null-task");
    }

    @Test
    void poolExecuteWithNullLeavesNoHandOffOpen() throws Exception {
        ExecutorService pool = pool();
        TaskContext.set("request_id", "null-task-thread");
        assertThatThrownBy(() -> pool.execute(null)).isInstanceOf(NullPointerException.class);
        assertThat(seenByNewThread()).isEqualTo("null-task-thread");
    }

    /** An application executor that records what it was given. */
    static final class RecordingExecutor implements Executor {
        final AtomicReference<Runnable> given = new AtomicReference<>(() -> { });

        @Override
        public void execute(Runnable task) {
            given.set(task);
            if (task == null) {
                throw new NullPointerException("RecordingExecutor: task is null");
            }
        }
    }

    @Test
    void applicationExecutorGetsNullAsGivenAndItsOwnExceptionPropagates() throws Exception {
        RecordingExecutor executor = new RecordingExecutor();
        TaskContext.set("request_id", "null-app-task");
        assertThatThrownBy(() -> executor.execute(null)).isExactlyInstanceOf(NullPointerException.class)
                .hasMessage("RecordingExecutor: task is null");
        assertThat(executor.given.get()).isNull();
        assertThat(seenByNewThread()).isEqualTo("null-app-task");
    }

    /** A task whose Object methods all throw and count their calls. */
    static final class HostileTask implements Runnable {
        final AtomicInteger objectMethodCalls = new AtomicInteger();
        final CompletableFuture<Object> seen = new CompletableFuture<>();

        @Override
        public void run() {
            seen.complete(TaskContext.get("request_id"));
        }

        @Override
        public int hashCode() {
            objectMethodCalls.incrementAndGet();
            throw new IllegalStateException("hashCode must not be called");
        }

        @Override
        public boolean equals(Object other) {
            objectMethodCalls.incrementAndGet();
            throw new IllegalStateException("equals must not be called");
        }

        @Override
        public String toString() {
            objectMethodCalls.incrementAndGet();
            throw new IllegalStateException("toString must not be called");
        }
    }

    @Test
    void poolTaskWhoseObjectMethodsThrowRunsWithTheSubmittersContext() throws Exception {
        HostileTask task = new HostileTask();
        TaskContext.set("request_id", "hostile-pool");
        pool().execute(task);
        assertThat(task.seen.get(10, TimeUnit.SECONDS)).isEqualTo("hostile-pool");
    }

    @Test
    void theAgentNeverCallsATasksHashCodeEqualsOrToString() throws Exception {
        HostileTask pooled = new HostileTask();
        HostileTask direct = new HostileTask();
        TaskContext.set("request_id", "hostile-count");
        pool().execute(pooled);
        pooled.seen.get(10, TimeUnit.SECONDS);
        new ExecutorPropagationTest.DirectExecutor().execute(direct);
        assertThat(direct.seen.get(10, TimeUnit.SECONDS)).isEqualTo("hostile-count");
        assertThat(pooled.objectMethodCalls.get() + direct.objectMethodCalls.get()).isZero();
    }

    @Test
    void proxyTaskWhoseHandlerThrowsForObjectMethodsRunsWithTheSubmittersContext() throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Runnable proxy = (Runnable) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Runnable.class},
                (self, method, args) -> {
                    if (method.getName().equals("run")) {
                        seen.complete(TaskContext.get("request_id"));
                        return null;
                    }
                    throw new IllegalStateException(method.getName() + " must not be called");
                });
        TaskContext.set("request_id", "proxy-1");
        pool().execute(proxy);
        new ExecutorPropagationTest.DirectExecutor().execute(proxy);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("proxy-1");
    }

    @Test
    void taskThatThrowsAnErrorThroughADirectExecutorLeavesTheCallersContext() {
        TaskContext.set("request_id", "error-direct");
        StackOverflowError failure = new StackOverflowError("thrown by the task");
        assertThatThrownBy(() -> new ExecutorPropagationTest.DirectExecutor().execute(() -> {
            TaskContext.set("request_id", "changed-before-throwing");
            throw failure;
        })).isSameAs(failure);
        assertThat(TaskContext.get("request_id")).isEqualTo("error-direct");
    }
}
