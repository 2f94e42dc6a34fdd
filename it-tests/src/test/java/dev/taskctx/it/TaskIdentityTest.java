package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Contract point 5: pools see the very objects the application submitted. Every task here is handed
 * off with a non-empty context, so the agent has bound a snapshot to it.
 */
class TaskIdentityTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private ThreadPoolExecutor singleThread(BlockingQueue<Runnable> queue) {
        return pools.add(new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, queue));
    }

    /** A task with a name for failure messages and Object's identity equals. */
    private static class NamedTask implements Runnable {
        private final String name;

        NamedTask(String name) {
            this.name = name;
        }

        @Override
        public void run() {
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void beforeAndAfterExecuteReceiveTheSubmittedTask() throws Exception {
        CompletableFuture<Runnable> before = new CompletableFuture<>();
        CompletableFuture<Runnable> after = new CompletableFuture<>();
        ThreadPoolExecutor pool = pools.add(new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>()) {
            @Override
            protected void beforeExecute(Thread worker, Runnable task) {
                before.complete(task);
            }

            @Override
            protected void afterExecute(Runnable task, Throwable thrown) {
                after.complete(task);
            }
        });
        Runnable task = new NamedTask("observed");
        TaskContext.set("request_id", "identity-1");
        pool.execute(task);
        assertThat(before.get(10, TimeUnit.SECONDS)).isSameAs(task);
        assertThat(after.get(10, TimeUnit.SECONDS)).isSameAs(task);
    }

    @Test
    void afterExecuteReceivesTheExceptionTheTaskThrew() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        ThreadPoolExecutor pool = pools.add(new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>()) {
            @Override
            protected void afterExecute(Runnable task, Throwable thrown) {
                seen.complete(thrown);
            }
        });
        pool.setThreadFactory(runnable -> {
            Thread worker = new Thread(runnable);
            worker.setUncaughtExceptionHandler((thread, failure) -> { });
            return worker;
        });
        IllegalStateException failure = new IllegalStateException("thrown by the task");
        TaskContext.set("request_id", "identity-thrown");
        pool.execute(() -> {
            throw failure;
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isSameAs(failure);
    }

    @Test
    void removeReturnsTrueForAQueuedTask() throws Exception {
        ThreadPoolExecutor pool = singleThread(new LinkedBlockingQueue<>());
        pools.occupyWorker(pool);
        Runnable task = new NamedTask("queued");
        TaskContext.set("request_id", "identity-remove");
        pool.execute(task);
        assertThat(pool.remove(task)).isTrue();
        assertThat(pool.getQueue()).isEmpty();
    }

    @Test
    void getQueueHoldsTheSubmittedTasks() throws Exception {
        ThreadPoolExecutor pool = singleThread(new LinkedBlockingQueue<>());
        pools.occupyWorker(pool);
        Runnable first = new NamedTask("first");
        Runnable second = new NamedTask("second");
        TaskContext.set("request_id", "identity-queue");
        pool.execute(first);
        pool.execute(second);
        assertThat(new ArrayList<>(pool.getQueue())).usingElementComparator(TaskIdentityTest::identity)
                .containsExactly(first, second);
    }

    @Test
    void shutdownNowReturnsTheSubmittedTasks() throws Exception {
        ThreadPoolExecutor pool = singleThread(new LinkedBlockingQueue<>());
        pools.occupyWorker(pool);
        Runnable first = new NamedTask("first");
        Runnable second = new NamedTask("second");
        TaskContext.set("request_id", "identity-shutdown");
        pool.execute(first);
        pool.execute(second);
        assertThat(pool.shutdownNow()).usingElementComparator(TaskIdentityTest::identity)
                .containsExactly(first, second);
    }

    @Test
    void purgeDropsCancelledFutures() throws Exception {
        ThreadPoolExecutor pool = singleThread(new LinkedBlockingQueue<>());
        pools.occupyWorker(pool);
        TaskContext.set("request_id", "identity-purge");
        Future<?> cancelled = pool.submit(new NamedTask("cancelled"));
        Future<?> kept = pool.submit(new NamedTask("kept"));
        assertThat(cancelled.cancel(false)).isTrue();
        pool.purge();
        assertThat(new ArrayList<>(pool.getQueue())).usingElementComparator(TaskIdentityTest::identity)
                .containsExactly((Runnable) kept);
    }

    /** Runs in ascending {@code priority}; records the order and the request id it saw. */
    private static class PriorityTask implements Runnable, Comparable<PriorityTask> {
        private final int priority;
        private final List<String> log;

        PriorityTask(int priority, List<String> log) {
            this.priority = priority;
            this.log = log;
        }

        @Override
        public void run() {
            log.add(priority + ":" + TaskContext.get("request_id"));
        }

        @Override
        public int compareTo(PriorityTask other) {
            return Integer.compare(priority, other.priority);
        }
    }

    @Test
    void priorityQueuePoolRunsComparableTasksInPriorityOrderEachWithItsOwnContext() throws Exception {
        ThreadPoolExecutor pool = singleThread(new PriorityBlockingQueue<>());
        List<String> log = new CopyOnWriteArrayList<>();
        // The occupying task goes straight to the new worker, never through the priority queue.
        pools.occupyWorker(pool);
        for (int priority : new int[] {5, 1, 4, 2, 3}) {
            TaskContext.set("request_id", "request-" + priority);
            pool.execute(new PriorityTask(priority, log));
        }
        CountDownLatch done = new CountDownLatch(1);
        TaskContext.clear();
        pool.execute(new PriorityTask(Integer.MAX_VALUE, log) {
            @Override
            public void run() {
                done.countDown();
            }
        });
        pools.releaseWorkers();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("1:request-1", "2:request-2", "3:request-3", "4:request-4", "5:request-5");
    }

    @Test
    void scheduledPoolDecorateTaskSeesTheOriginalRunnableAndCallable() throws Exception {
        List<Object> decorated = new CopyOnWriteArrayList<>();
        ScheduledThreadPoolExecutor pool = pools.add(new ScheduledThreadPoolExecutor(1) {
            @Override
            protected <V> RunnableScheduledFuture<V> decorateTask(Runnable task, RunnableScheduledFuture<V> future) {
                decorated.add(task);
                return future;
            }

            @Override
            protected <V> RunnableScheduledFuture<V> decorateTask(Callable<V> task, RunnableScheduledFuture<V> future) {
                decorated.add(task);
                return future;
            }
        });
        Runnable runnable = new NamedTask("scheduled runnable");
        Callable<String> callable = () -> "scheduled callable";
        TaskContext.set("request_id", "identity-decorate");
        pool.schedule(runnable, 1, TimeUnit.HOURS);
        pool.schedule(callable, 1, TimeUnit.HOURS);
        pool.scheduleAtFixedRate(runnable, 1, 1, TimeUnit.HOURS);
        pool.execute(runnable);
        assertThat(decorated).usingElementComparator(TaskIdentityTest::identity)
                .containsExactly(runnable, callable, runnable, runnable);
    }

    @Test
    void scheduledPoolRemoveOnCancelPolicyStillEmptiesTheQueue() {
        ScheduledThreadPoolExecutor pool = pools.add(new ScheduledThreadPoolExecutor(1));
        pool.setRemoveOnCancelPolicy(true);
        TaskContext.set("request_id", "identity-remove-on-cancel");
        ScheduledFuture<?> once = pool.schedule(new NamedTask("once"), 1, TimeUnit.HOURS);
        ScheduledFuture<?> periodic = pool.scheduleWithFixedDelay(new NamedTask("periodic"), 1, 1, TimeUnit.HOURS);
        assertThat(pool.getQueue()).hasSize(2);
        once.cancel(false);
        periodic.cancel(false);
        assertThat(pool.getQueue()).isEmpty();
    }

    /** An application executor that only queues; the test runs what it queued. */
    private static final class OwnQueueExecutor implements Executor {
        final List<Runnable> queue = new CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }
    }

    @Test
    void applicationExecutorGetsTheTaskWrappedInAWrapperThatActsForIt() throws Exception {
        OwnQueueExecutor ownQueue = new OwnQueueExecutor();
        List<Runnable> given = ownQueue.queue;
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Runnable task = new NamedTask("the submitted task") {
            @Override
            public void run() {
                seen.complete(TaskContext.get("request_id"));
            }
        };
        TaskContext.set("request_id", "identity-wrapped");
        ownQueue.execute(task);
        TaskContext.clear();
        Runnable queued = given.get(0);
        assertThat(queued).as("an application executor's own queue holds a wrapper").isNotSameAs(task);
        assertThat(queued).hasToString("the submitted task");
        queued.run();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("identity-wrapped");
    }

    private static int identity(Object a, Object b) {
        return a == b ? 0 : 1;
    }
}
