package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every task handed to an application executor runs scoped, also when its submitter's context is
 * empty: what the task sets is gone from the executor's thread (or, for a direct executor, from the
 * caller) once it returns, while hand-offs made inside the task still carry it.
 */
class ApplicationExecutorScopingTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private QueueAndThreadExecutor executor;

    @BeforeEach
    void startWorker() {
        executor = new QueueAndThreadExecutor();
    }

    @AfterEach
    void stopWorker() throws InterruptedException {
        executor.stop();
    }

    /** An application executor with its own queue and one worker thread, started in its constructor. */
    static final class QueueAndThreadExecutor implements Executor {
        private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        private final Thread worker = new Thread(this::loop, "queue-and-thread-worker");

        QueueAndThreadExecutor() {
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }

        private void loop() {
            try {
                while (true) {
                    Runnable task = queue.take();
                    try {
                        task.run();
                    } catch (RuntimeException failed) {
                        // the worker outlives a failing task, as pool workers do
                    }
                }
            } catch (InterruptedException stop) {
                // the test is over
            }
        }

        void stop() throws InterruptedException {
            worker.interrupt();
            worker.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** A direct executor: runs the task inline, in the caller's thread. */
    static final class DirectExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    /** Runs on the calling thread with an empty context, as a submitter that never set anything. */
    private static void submitFromEmptyContext(Executor executor, Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread submitter = new Thread(() -> {
            TaskContext.clear();
            executor.execute(() -> {
                try {
                    task.run();
                } finally {
                    done.complete(null);
                }
            });
        }, "empty-submitter");
        submitter.start();
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void workerDoesNotKeepWhatATaskSetWhenSubmittersHadNoContext() throws Exception {
        submitFromEmptyContext(executor, () -> TaskContext.set("rid", "set-by-task-a"));
        Object[] seenByB = {"not run"};
        submitFromEmptyContext(executor, () -> seenByB[0] = TaskContext.get("rid"));
        assertThat(seenByB[0]).isNull();
    }

    @Test
    void workerDoesNotKeepWhatAThrowingTaskSet() throws Exception {
        executor.execute(() -> {
            TaskContext.set("rid", "set-by-failing-task");
            throw new IllegalStateException("task fails");
        });
        assertThat(TaskProbe.seenVia(executor, "rid")).isNull();
    }

    @Test
    void workerTaskSeesSubmitterValueAndNextEmptyTaskSeesNothing() throws Exception {
        TaskContext.set("rid", "queue-1");
        assertThat(TaskProbe.seenVia(executor, "rid")).isEqualTo("queue-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(executor, "rid")).isNull();
    }

    @Test
    void directExecutorTaskWithEmptyCallerContextHandsItsValueOn() throws Exception {
        ExecutorService pool = pools.add(Executors.newFixedThreadPool(1));
        CompletableFuture<Object> seenByThread = new CompletableFuture<>();
        CompletableFuture<Object> seenByPoolTask = new CompletableFuture<>();
        new DirectExecutor().execute(() -> {
            TaskContext.set("rid", "set-inline");
            new Thread(() -> seenByThread.complete(TaskContext.get("rid")), "started-by-inline-task").start();
            pool.execute(() -> seenByPoolTask.complete(TaskContext.get("rid")));
        });
        assertThat(seenByThread.get(10, TimeUnit.SECONDS)).as("thread started by the inline task").isEqualTo("set-inline");
        assertThat(seenByPoolTask.get(10, TimeUnit.SECONDS)).as("pool task submitted by the inline task").isEqualTo("set-inline");
    }

    @Test
    void directExecutorTaskWithEmptyCallerContextLeavesCallerEmpty() {
        new DirectExecutor().execute(() -> TaskContext.set("rid", "set-inline"));
        assertThat(TaskContext.get("rid")).isNull();
        assertThat(TaskContext.asMap()).isEmpty();
    }
}
