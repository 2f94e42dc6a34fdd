package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskctx.TaskContext;
import dev.taskctx.internal.Propagation;
import dev.taskctx.internal.TaskBindingCarrier;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract point 5: rejection policies and failures behave as without the agent, and the caller's context is intact. */
class RejectionAndFailureTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    /** A one-thread pool without a queue whose worker is busy until the test ends: the next task is rejected. */
    private ThreadPoolExecutor saturated(RejectedExecutionHandler policy) throws InterruptedException {
        ThreadPoolExecutor pool = pools.add(
                new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new SynchronousQueue<>(), policy));
        pools.occupyWorker(pool);
        return pool;
    }

    private ThreadPoolExecutor idle() {
        return pools.add(new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new SynchronousQueue<>()));
    }

    @Test
    void abortPolicyThrowsAndLeavesTheCallersContextUnchanged() throws Exception {
        ThreadPoolExecutor pool = saturated(new ThreadPoolExecutor.AbortPolicy());
        TaskContext.set("request_id", "abort-1");
        Map<String, Object> before = TaskContext.asMap();
        assertThatThrownBy(() -> pool.execute(() -> TaskContext.set("request_id", "never")))
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(TaskContext.asMap()).isEqualTo(before);
    }

    @Test
    void callerRunsPolicyRunsTheTaskInlineWithTheCallersContextAndRestoresIt() throws Exception {
        ThreadPoolExecutor pool = saturated(new ThreadPoolExecutor.CallerRunsPolicy());
        TaskContext.set("request_id", "caller-runs-1");
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Object> seen = new AtomicReference<>();
        pool.execute(() -> {
            ranOn.set(Thread.currentThread());
            seen.set(TaskContext.get("request_id"));
            TaskContext.set("request_id", "changed-by-the-task");
        });
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(seen.get()).isEqualTo("caller-runs-1");
        assertThat(TaskContext.get("request_id")).isEqualTo("caller-runs-1");
    }

    @Test
    void taskRunByCallerRunsPolicyPassesTheCallersContextToAThreadItStarts() throws Exception {
        ThreadPoolExecutor pool = saturated(new ThreadPoolExecutor.CallerRunsPolicy());
        TaskContext.set("request_id", "caller-runs-thread");
        CompletableFuture<Object> seenByThread = new CompletableFuture<>();
        pool.execute(() -> new Thread(() -> seenByThread.complete(TaskContext.get("request_id"))).start());
        assertThat(seenByThread.get(10, TimeUnit.SECONDS)).isEqualTo("caller-runs-thread");
    }

    @Test
    void taskRunByCallerRunsPolicyAndSubmittedAgainWithoutContextSeesNone() throws Exception {
        ThreadPoolExecutor busy = saturated(new ThreadPoolExecutor.CallerRunsPolicy());
        ThreadPoolExecutor idle = idle();
        AtomicReference<CompletableFuture<Object>> seen = new AtomicReference<>(new CompletableFuture<>());
        Runnable reused = () -> seen.get().complete(TaskContext.get("request_id"));
        TaskContext.set("request_id", "first-submission");
        busy.execute(reused);
        assertThat(seen.get().get(10, TimeUnit.SECONDS)).isEqualTo("first-submission");
        seen.set(new CompletableFuture<>());
        TaskContext.clear();
        idle.execute(reused);
        assertThat(seen.get().get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void discardedTaskSubmittedAgainWithoutContextSeesNone() throws Exception {
        ThreadPoolExecutor busy = saturated(new ThreadPoolExecutor.DiscardPolicy());
        ThreadPoolExecutor idle = idle();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Runnable reused = () -> seen.complete(TaskContext.get("request_id"));
        TaskContext.set("request_id", "discarded-submission");
        busy.execute(reused);
        TaskContext.clear();
        idle.execute(reused);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isNull();
    }

    /** The binding a task object holds in its own field, or "none" for a task whose binding would be beside it. */
    private static Object fieldBinding(Runnable task) {
        return task instanceof TaskBindingCarrier ? ((TaskBindingCarrier) task).taskctx$taskBinding() : "none";
    }

    private static void recordNothing() {
    }

    @Test
    void aTaskTheDiscardPolicyDropsKeepsNoBinding() throws Exception {
        assertRejectedTaskKeepsNoBinding(new ThreadPoolExecutor.DiscardPolicy());
    }

    @Test
    void aTaskRunByCallerRunsPolicyKeepsNoBinding() throws Exception {
        assertRejectedTaskKeepsNoBinding(new ThreadPoolExecutor.CallerRunsPolicy());
    }

    private void assertRejectedTaskKeepsNoBinding(RejectedExecutionHandler policy) throws Exception {
        ThreadPoolExecutor busy = saturated(policy);
        // Non-capturing: one object for the whole JVM, as long-lived as a binding left on it would be.
        Runnable singleton = RejectionAndFailureTest::recordNothing;
        int before = Propagation.boundTasks();
        TaskContext.set("request_id", "rejected");
        busy.execute(singleton);
        assertThat(Propagation.boundTasks()).as("bindings beside tasks").isEqualTo(before);
        assertThat(fieldBinding(singleton)).isIn(null, "none");
    }

    @Test
    void discardOldestPolicyQueuesTheSubmittedTaskItselfWithItsSubmittersContext() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ThreadPoolExecutor pool = pools.add(new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.DiscardOldestPolicy()));
        try {
            pool.execute(() -> Latches.awaitQuietly(release));
            CompletableFuture<Object> oldest = new CompletableFuture<>();
            pool.execute(() -> oldest.complete("ran"));
            CompletableFuture<Object> seen = new CompletableFuture<>();
            Runnable newest = () -> seen.complete(TaskContext.get("request_id"));
            TaskContext.set("request_id", "newest");
            pool.execute(newest);
            TaskContext.clear();
            assertThat(pool.getQueue()).as("the queue after the oldest task was discarded").containsExactly(newest);
            release.countDown();
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("newest");
            assertThat(oldest).isNotDone();
            assertThat(fieldBinding(newest)).isIn(null, "none");
        } finally {
            release.countDown();
        }
    }

    @Test
    void shutDownExecutorRejectsAndLeavesTheCallersContextUnchanged() throws Exception {
        ThreadPoolExecutor pool = idle();
        pool.shutdown();
        TaskContext.set("request_id", "after-shutdown");
        AtomicReference<Object> ran = new AtomicReference<>();
        assertThatThrownBy(() -> pool.execute(() -> ran.set("ran")))
                .isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pool.submit(() -> "never")).isInstanceOf(RejectedExecutionException.class);
        assertThat(ran.get()).isNull();
        assertThat(TaskContext.asMap()).containsExactly(Map.entry("request_id", "after-shutdown"));
    }

    @Test
    void theExceptionATaskThrowsReachesFutureGetAsTheCause() throws Exception {
        ThreadPoolExecutor pool = idle();
        IllegalStateException failure = new IllegalStateException("thrown by the task");
        TaskContext.set("request_id", "failing-1");
        Future<Object> result = pool.submit(() -> {
            throw failure;
        });
        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isSameAs(failure);
    }

    @Test
    void anErrorATaskThrowsReachesFutureGetAsTheCause() throws Exception {
        ThreadPoolExecutor pool = idle();
        AssertionError failure = new AssertionError("an Error, not an Exception");
        TaskContext.set("request_id", "failing-2");
        Future<?> result = pool.submit((Runnable) () -> {
            throw failure;
        });
        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isSameAs(failure);
    }
}
