package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every Executor hand-off carries the submitter's context into the task (contract point 2). */
class ExecutorPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private <E extends ExecutorService> E pool(E pool) {
        pools.add(pool);
        return pool;
    }

    private static Object seenVia(Executor executor) throws Exception {
        CompletableFuture<Object> seen = new CompletableFuture<>();
        executor.execute(() -> seen.complete(TaskContext.get("request_id")));
        return seen.get(10, TimeUnit.SECONDS);
    }

    @Test
    void submitCallableSeesSubmitterValue() throws Exception {
        ExecutorService pool = pool(Executors.newCachedThreadPool());
        TaskContext.set("request_id", "callable-1");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS))
                .isEqualTo("callable-1");
    }

    @Test
    void invokeAllTasksSeeSubmitterValue() throws Exception {
        ExecutorService pool = pool(Executors.newFixedThreadPool(3));
        TaskContext.set("request_id", "all-1");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(() -> TaskContext.get("request_id"));
        }
        for (Future<Object> result : pool.invokeAll(tasks)) {
            assertThat(result.get()).isEqualTo("all-1");
        }
    }

    @Test
    void invokeAnySeesSubmitterValue() throws Exception {
        ExecutorService pool = pool(Executors.newFixedThreadPool(2));
        TaskContext.set("request_id", "any-1");
        Object seen = pool.invokeAny(List.of(() -> TaskContext.get("request_id"), () -> TaskContext.get("request_id")));
        assertThat(seen).isEqualTo("any-1");
    }

    @Test
    void completionServiceTasksSeeSubmitterValue() throws Exception {
        ExecutorService pool = pool(Executors.newFixedThreadPool(2));
        ExecutorCompletionService<Object> completion = new ExecutorCompletionService<>(pool);
        TaskContext.set("request_id", "completion-1");
        completion.submit(() -> TaskContext.get("request_id"));
        completion.submit(() -> TaskContext.get("request_id"), "ignored");
        assertThat(completion.take().get()).isIn("completion-1", "ignored");
        Object second = completion.take().get();
        assertThat(second).isIn("completion-1", "ignored");
        Object[] seenByRunnable = new Object[1];
        completion.submit(() -> {
            seenByRunnable[0] = TaskContext.get("request_id");
        }, "done");
        assertThat(completion.take().get()).isEqualTo("done");
        assertThat(seenByRunnable[0]).isEqualTo("completion-1");
    }

    @Test
    void executorsWrappersPropagate() throws Exception {
        ExecutorService single = pool(Executors.newSingleThreadExecutor());
        ExecutorService unconfigurable = pool(Executors.unconfigurableExecutorService(pool(Executors.newFixedThreadPool(1))));
        TaskContext.set("request_id", "wrapped-1");
        assertThat(seenVia(single)).isEqualTo("wrapped-1");
        assertThat(seenVia(unconfigurable)).isEqualTo("wrapped-1");
        assertThat(single.submit(() -> TaskContext.get("request_id")).get()).isEqualTo("wrapped-1");
    }

    @Test
    void threadPoolExecutorSubclassPropagates() throws Exception {
        class CountingPool extends ThreadPoolExecutor {
            CountingPool() {
                super(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
            }
        }
        ExecutorService pool = pool(new CountingPool());
        TaskContext.set("request_id", "subclass-1");
        assertThat(pool.submit(() -> TaskContext.get("request_id")).get()).isEqualTo("subclass-1");
    }

    /** An application executor with its own queue and its own thread, started lazily. */
    static final class OwnQueueExecutor implements Executor {
        private final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(16);
        private Thread worker;

        @Override
        public synchronized void execute(Runnable task) {
            queue.add(task);
            if (worker == null) {
                worker = new Thread(this::loop, "own-queue-worker");
                worker.setDaemon(true);
                worker.start();
            }
        }

        private void loop() {
            try {
                while (true) {
                    queue.take().run();
                }
            } catch (InterruptedException stop) {
                // the test is over
            }
        }
    }

    @Test
    void applicationExecutorWithOwnQueueAndThreadPropagates() throws Exception {
        OwnQueueExecutor executor = new OwnQueueExecutor();
        TaskContext.set("request_id", "own-1");
        assertThat(seenVia(executor)).isEqualTo("own-1");
        TaskContext.set("request_id", "own-2");
        assertThat(seenVia(executor)).isEqualTo("own-2");
        TaskContext.clear();
        assertThat(seenVia(executor)).as("the executor's thread was started inside a hand-off and keeps nothing").isNull();
    }

    /** A direct executor: runs the task inline, in the caller's thread. */
    static final class DirectExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    /** An AbstractExecutorService subclass: submit() builds a FutureTask and calls this execute(). */
    static final class DequeExecutorService extends AbstractExecutorService {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private volatile boolean shutdown;

        @Override
        public synchronized void execute(Runnable command) {
            tasks.add(command);
        }

        /** Runs the queued tasks on a fresh, context-free thread. */
        void drainOnNewThread() throws InterruptedException {
            Thread runner = new Thread(() -> {
                Runnable next;
                while ((next = poll()) != null) {
                    next.run();
                }
            });
            TaskContext.clear();
            runner.start();
            runner.join();
        }

        private synchronized Runnable poll() {
            return tasks.poll();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return new ArrayList<>(tasks);
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    @Test
    void abstractExecutorServiceSubclassPropagates() throws Exception {
        DequeExecutorService service = new DequeExecutorService();
        TaskContext.set("request_id", "deque-1");
        Future<Object> first = service.submit(() -> TaskContext.get("request_id"));
        TaskContext.set("request_id", "deque-2");
        Future<Object> second = service.submit(() -> TaskContext.get("request_id"));
        service.drainOnNewThread();
        assertThat(first.get()).isEqualTo("deque-1");
        assertThat(second.get()).isEqualTo("deque-2");
    }

    @Test
    void lambdaExecutorThatStartsThreadPropagatesThroughTheThread() throws Exception {
        Executor lambda = task -> new Thread(task).start();
        TaskContext.set("request_id", "lambda-thread");
        assertThat(seenVia(lambda)).isEqualTo("lambda-thread");
    }

    @Test
    void lambdaExecutorOverOwnQueueCarriesNothingBecauseHiddenClassesCannotBeTransformed() throws Exception {
        BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        Executor lambda = queue::add;
        TaskContext.set("request_id", "lost");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        lambda.execute(() -> seen.complete(TaskContext.get("request_id")));
        TaskContext.clear();
        queue.take().run();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void manyTasksEachSeeTheirOwnSubmissionValue() throws Exception {
        ExecutorService pool = pool(Executors.newFixedThreadPool(2));
        CountDownLatch gate = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            TaskContext.set("request_id", "r-" + i);
            results.add(pool.submit(() -> TaskContext.get("request_id")));
        }
        gate.countDown();
        for (int i = 0; i < 200; i++) {
            assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("r-" + i);
        }
    }
}
