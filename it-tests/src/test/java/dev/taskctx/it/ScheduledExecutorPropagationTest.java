package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Scheduled executors: every run of a scheduled task sees the context captured when it was scheduled. */
class ScheduledExecutorPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    /** A scheduled pool whose one worker exists already, started while the context is empty. */
    private ScheduledThreadPoolExecutor scheduledPool() throws Exception {
        assertThat(TaskContext.asMap()).isEmpty();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
        pools.add(pool);
        pool.submit(() -> null).get(10, TimeUnit.SECONDS);
        return pool;
    }

    /** Runs a periodic task until it has run {@code runs} times, then returns the values its runs saw. */
    private static List<Object> valuesSeenByRuns(int runs, PeriodicScheduler scheduler) throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        ScheduledFuture<?> future = scheduler.schedule(() -> seen.add(String.valueOf(TaskContext.get("request_id"))));
        TaskContext.set("request_id", "changed-after-scheduling");
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Object value = seen.poll(10, TimeUnit.SECONDS);
            assertThat(value).as("run %d of the periodic task", i + 1).isNotNull();
            values.add(value);
        }
        future.cancel(false);
        return values;
    }

    interface PeriodicScheduler {
        ScheduledFuture<?> schedule(Runnable task);
    }

    @Test
    void scheduleCallableSeesSchedulerValue() throws Exception {
        ScheduledThreadPoolExecutor pool = scheduledPool();
        TaskContext.set("request_id", "schedule-callable");
        Callable<Object> read = () -> TaskContext.get("request_id");
        assertThat(pool.schedule(read, 10, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS)).isEqualTo("schedule-callable");
    }

    @Test
    void executeAndSubmitOnScheduledPoolSeeSubmitterValue() throws Exception {
        ScheduledThreadPoolExecutor pool = scheduledPool();
        TaskContext.set("request_id", "scheduled-submit");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS)).isEqualTo("scheduled-submit");
        CountDownLatch done = new CountDownLatch(1);
        Object[] seen = new Object[1];
        pool.execute(() -> {
            seen[0] = TaskContext.get("request_id");
            done.countDown();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen[0]).isEqualTo("scheduled-submit");
    }

    @Test
    void everyRunAtFixedRateSeesTheSchedulingValue() throws Exception {
        ScheduledThreadPoolExecutor pool = scheduledPool();
        TaskContext.set("request_id", "fixed-rate");
        assertThat(valuesSeenByRuns(3, task -> pool.scheduleAtFixedRate(task, 0, 10, TimeUnit.MILLISECONDS)))
                .containsExactly("fixed-rate", "fixed-rate", "fixed-rate");
    }

    @Test
    void everyRunWithFixedDelaySeesTheSchedulingValue() throws Exception {
        ScheduledThreadPoolExecutor pool = scheduledPool();
        TaskContext.set("request_id", "fixed-delay");
        assertThat(valuesSeenByRuns(3, task -> pool.scheduleWithFixedDelay(task, 0, 10, TimeUnit.MILLISECONDS)))
                .containsExactly("fixed-delay", "fixed-delay", "fixed-delay");
    }

    @Test
    void workerStartedBySchedulingStartsEmptyAndIsCleanAfterPeriodicRuns() throws Exception {
        List<Object> seenByWorker = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread worker = new Thread(() -> {
                synchronized (seenByWorker) {
                    seenByWorker.add("start:" + TaskContext.asMap());
                }
                runnable.run();
                synchronized (seenByWorker) {
                    seenByWorker.add("end:" + TaskContext.asMap());
                }
            });
            synchronized (workers) {
                workers.add(worker);
            }
            return worker;
        });
        TaskContext.set("request_id", "grows-scheduled-pool");
        assertThat(valuesSeenByRuns(2, task -> pool.scheduleAtFixedRate(task, 0, 10, TimeUnit.MILLISECONDS)))
                .containsExactly("grows-scheduled-pool", "grows-scheduled-pool");
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        synchronized (workers) {
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        }
        synchronized (seenByWorker) {
            assertThat(seenByWorker).containsExactly("start:{}", "end:{}");
        }
    }

    /** A pool that wraps every task in its own RunnableScheduledFuture, as decorateTask allows. */
    static final class DecoratingPool extends ScheduledThreadPoolExecutor {
        final List<RunnableScheduledFuture<?>> decorated = new ArrayList<>();

        DecoratingPool() {
            super(1);
        }

        @Override
        protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
            Decorated<V> wrapper = new Decorated<>(task);
            synchronized (decorated) {
                decorated.add(wrapper);
            }
            return wrapper;
        }
    }

    record Decorated<V>(RunnableScheduledFuture<V> task) implements RunnableScheduledFuture<V> {
        @Override
        public boolean isPeriodic() {
            return task.isPeriodic();
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return task.getDelay(unit);
        }

        @Override
        public int compareTo(Delayed other) {
            return task.compareTo(other instanceof Decorated<?> d ? d.task : other);
        }

        @Override
        public void run() {
            task.run();
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return task.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return task.isCancelled();
        }

        @Override
        public boolean isDone() {
            return task.isDone();
        }

        @Override
        public V get() throws InterruptedException, java.util.concurrent.ExecutionException {
            return task.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit)
                throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
            return task.get(timeout, unit);
        }
    }

    @Test
    void decoratedPeriodicTaskKeepsItsIdentityInTheQueueAndEveryRunSeesTheSchedulingValue() throws Exception {
        DecoratingPool pool = new DecoratingPool();
        pools.add(pool);
        TaskContext.set("request_id", "decorated");
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        ScheduledFuture<?> future = pool.scheduleAtFixedRate(() -> seen.add(String.valueOf(TaskContext.get("request_id"))),
                0, 10, TimeUnit.MILLISECONDS);
        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("decorated");
        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("decorated");
        synchronized (pool.decorated) {
            assertThat((Object) future).isSameAs(pool.decorated.get(0));
        }
        future.cancel(false);
    }

    @Test
    void delayedTaskInQueueIsTheScheduledFutureReturned() throws Exception {
        ScheduledThreadPoolExecutor pool = scheduledPool();
        TaskContext.set("request_id", "queued");
        ScheduledFuture<?> future = pool.schedule(() -> { }, 1, TimeUnit.HOURS);
        assertThat(pool.getQueue()).containsExactly((Runnable) future);
        assertThat(pool.remove((Runnable) future)).isTrue();
    }

    /** The pool as a scheduler, its worker and delay-scheduler thread started while the context is empty. */
    private static ScheduledExecutorService forkJoinPoolAsScheduler(ForkJoinPool pool) throws Exception {
        assumeTrue(((Object) pool) instanceof ScheduledExecutorService,
                "ForkJoinPool is a ScheduledExecutorService from JDK 25 (JDK " + System.getProperty("taskctx.it.jdk") + " here)");
        assertThat(TaskContext.asMap()).isEmpty();
        ScheduledExecutorService scheduler = (ScheduledExecutorService) (Object) pool;
        scheduler.schedule(() -> null, 1, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        return scheduler;
    }

    @Test
    void forkJoinPoolScheduleSeesSchedulerValue() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        pools.add(pool);
        ScheduledExecutorService scheduler = forkJoinPoolAsScheduler(pool);
        TaskContext.set("request_id", "fj-schedule");
        Callable<Object> read = () -> TaskContext.get("request_id");
        assertThat(scheduler.schedule(read, 10, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS)).isEqualTo("fj-schedule");
    }

    @Test
    void everyRunOfForkJoinPoolFixedRateTaskSeesTheSchedulingValue() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        pools.add(pool);
        ScheduledExecutorService scheduler = forkJoinPoolAsScheduler(pool);
        TaskContext.set("request_id", "fj-fixed-rate");
        assertThat(valuesSeenByRuns(3, task -> scheduler.scheduleAtFixedRate(task, 0, 10, TimeUnit.MILLISECONDS)))
                .containsExactly("fj-fixed-rate", "fj-fixed-rate", "fj-fixed-rate");
    }

    @Test
    void everyRunOfForkJoinPoolFixedDelayTaskSeesTheSchedulingValue() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        pools.add(pool);
        ScheduledExecutorService scheduler = forkJoinPoolAsScheduler(pool);
        TaskContext.set("request_id", "fj-fixed-delay");
        assertThat(valuesSeenByRuns(3, task -> scheduler.scheduleWithFixedDelay(task, 0, 10, TimeUnit.MILLISECONDS)))
                .containsExactly("fj-fixed-delay", "fj-fixed-delay", "fj-fixed-delay");
    }
}
