package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ForkJoinPool submission and ForkJoinTask.fork carry the submitter's context; root invoke() keeps the caller's. */
@Tag("forkjoin")
class ForkJoinPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    /**
     * A pool whose workers all exist already, started while the context is empty: a worker that a
     * submission creates would otherwise inherit the submitter's context as a thread, and the test
     * could pass without any fork/join propagation.
     */
    private ForkJoinPool pool(int parallelism) throws InterruptedException {
        assertThat(TaskContext.asMap()).isEmpty();
        ForkJoinPool pool = new ForkJoinPool(parallelism);
        pools.add(pool);
        CountDownLatch allRunning = new CountDownLatch(parallelism);
        for (int i = 0; i < parallelism; i++) {
            pool.execute(() -> {
                allRunning.countDown();
                try {
                    allRunning.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(allRunning.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.awaitQuiescence(10, TimeUnit.SECONDS)).isTrue();
        return pool;
    }

    /** Sums [from, to) by splitting down to single elements; each leaf records the request_id it saw. */
    static final class Sum extends RecursiveTask<Long> {
        private final int from;
        private final int to;
        private final Set<Object> seen;

        Sum(int from, int to, Set<Object> seen) {
            this.from = from;
            this.to = to;
            this.seen = seen;
        }

        @Override
        protected Long compute() {
            if (to - from <= 1) {
                seen.add(String.valueOf(TaskContext.get("request_id")));
                return (long) from;
            }
            int middle = (from + to) >>> 1;
            Sum left = new Sum(from, middle, seen);
            left.fork();
            long right = new Sum(middle, to, seen).compute();
            return left.join() + right;
        }
    }

    @Test
    void customPoolSubmitCallableSeesSubmitterValue() throws Exception {
        ForkJoinPool pool = pool(2);
        TaskContext.set("request_id", "fj-submit");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS)).isEqualTo("fj-submit");
    }

    @Test
    void customPoolInvokeSeesSubmitterValue() throws Exception {
        ForkJoinPool pool = pool(2);
        TaskContext.set("request_id", "fj-invoke");
        Set<Object> seen = ConcurrentHashMap.newKeySet();
        assertThat(pool.invoke(new Sum(0, 64, seen))).isEqualTo(64L * 63 / 2);
        assertThat(seen).containsExactly("fj-invoke");
    }

    @Test
    void customPoolInvokeAllSeesSubmitterValue() throws Exception {
        ForkJoinPool pool = pool(2);
        TaskContext.set("request_id", "fj-all");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(() -> TaskContext.get("request_id"));
        }
        for (Future<Object> result : pool.invokeAll(tasks)) {
            assertThat(result.get()).isEqualTo("fj-all");
        }
    }

    @Test
    void commonPoolSubmitSeesSubmitterValue() throws Exception {
        TaskContext.set("request_id", "common-submit");
        assertThat(ForkJoinPool.commonPool().submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS))
                .isEqualTo("common-submit");
    }

    @Test
    void forkInsideRunningTaskSeesParentValueAndJoinResultIsUnchanged() throws Exception {
        ForkJoinPool pool = pool(4);
        TaskContext.set("request_id", "recursive-1");
        Set<Object> seen = ConcurrentHashMap.newKeySet();
        long sum = pool.submit(new Sum(0, 1000, seen)).get(30, TimeUnit.SECONDS);
        assertThat(sum).isEqualTo(1000L * 999 / 2);
        assertThat(seen).containsExactly("recursive-1");
    }

    @Test
    void forkFromNonWorkerThreadSeesForkerValue() {
        TaskContext.set("request_id", "forked-outside");
        RecursiveTask<Object> task = new RecursiveTask<>() {
            @Override
            protected Object compute() {
                return TaskContext.get("request_id");
            }
        };
        task.fork();
        assertThat(task.join()).isEqualTo("forked-outside");
    }

    @Test
    void rootInvokeSeesCallerValueAndLeavesCallerContextAsItWas() {
        TaskContext.set("request_id", "root-caller");
        Object[] seen = new Object[1];
        new RecursiveAction() {
            @Override
            protected void compute() {
                seen[0] = TaskContext.get("request_id");
                TaskContext.set("request_id", "changed-by-root");
                TaskContext.set("task_data", "root-data");
            }
        }.invoke();
        assertThat(seen[0]).isEqualTo("root-caller");
        assertThat(TaskContext.get("request_id")).isEqualTo("root-caller");
        assertThat(TaskContext.get("task_data")).isNull();
    }

    @Test
    void rootInvokeInsideWorkerKeepsTheRunningTasksValue() throws Exception {
        ForkJoinPool pool = pool(2);
        TaskContext.set("request_id", "outer-task");
        Object seen = pool.submit(() -> new RecursiveTask<Object>() {
            @Override
            protected Object compute() {
                return TaskContext.get("request_id");
            }
        }.invoke()).get(10, TimeUnit.SECONDS);
        assertThat(seen).isEqualTo("outer-task");
    }

    @Test
    void invokeAllRunsTheFirstTaskInCallerAndForksTheRestWithCallerValue() {
        TaskContext.set("request_id", "invoke-all");
        Set<Object> seen = ConcurrentHashMap.newKeySet();
        Sum first = new Sum(0, 16, seen);
        Sum second = new Sum(16, 32, seen);
        ForkJoinTask.invokeAll(first, second);
        assertThat(first.join() + second.join()).isEqualTo(32L * 31 / 2);
        assertThat(seen).containsExactly("invoke-all");
        assertThat(TaskContext.get("request_id")).isEqualTo("invoke-all");
    }

    @Test
    void taskPushedWithoutContextSeesNoneEvenWhenRunByAWorkerHelpingInsideAnotherTask() throws Exception {
        ForkJoinPool pool = pool(1);
        CountDownLatch otherSubmitted = new CountDownLatch(1);
        TaskContext.set("request_id", "helping-task");
        ForkJoinTask<?> helper = pool.submit(() -> {
            try {
                otherSubmitted.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // runs queued tasks in this worker, nested inside this task
            ForkJoinTask.helpQuiesce();
        });
        TaskContext.clear();
        ForkJoinTask<Object> other = pool.submit(() -> TaskContext.get("request_id", "none"));
        otherSubmitted.countDown();
        helper.get(10, TimeUnit.SECONDS);
        assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo("none");
    }

    /** A worker that records the context it has before its first task and after its last one. */
    static final class RecordingWorker extends ForkJoinWorkerThread {
        static final List<Object> SEEN = new ArrayList<>();

        RecordingWorker(ForkJoinPool pool) {
            super(pool);
        }

        @Override
        protected void onStart() {
            super.onStart();
            synchronized (SEEN) {
                SEEN.add("start:" + TaskContext.asMap());
            }
        }

        @Override
        protected void onTermination(Throwable exception) {
            synchronized (SEEN) {
                SEEN.add("end:" + TaskContext.asMap());
            }
            super.onTermination(exception);
        }
    }

    @Test
    void workerCreatedBySubmissionStartsEmptyAndHoldsNoContextAfterItsTasksEvenWhenOneThrows() throws Exception {
        synchronized (RecordingWorker.SEEN) {
            RecordingWorker.SEEN.clear();
        }
        ForkJoinPool pool = new ForkJoinPool(1, RecordingWorker::new, null, false);
        TaskContext.set("request_id", "grows-the-pool");
        Set<Object> seen = ConcurrentHashMap.newKeySet();
        assertThat(pool.submit(new Sum(0, 100, seen)).get(10, TimeUnit.SECONDS)).isEqualTo(100L * 99 / 2);
        ForkJoinTask<Object> failing = pool.submit(() -> {
            TaskContext.set("task_data", "set-before-throwing");
            throw new IllegalStateException("boom in fork/join");
        });
        assertThat(failing).failsWithin(10, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("grows-the-pool");
        synchronized (RecordingWorker.SEEN) {
            assertThat(RecordingWorker.SEEN).isNotEmpty().containsOnly("start:{}", "end:{}");
        }
    }
}
