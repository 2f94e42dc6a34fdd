package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Contract point 5, shown by comparison: each scenario runs in a fresh JVM without the agent and in
 * one with it, with a context set at every hand-off, and prints only what the application can observe
 * apart from the context. The two transcripts must be equal, and equal to the expected one.
 */
class SameAsWithoutAgentTest {

    /** The scenarios, one per behaviour; the first argument names it. */
    public static final class Scenarios {

        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "scenario-" + args[0]);
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
            CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
            pool.setThreadFactory(runnable -> {
                Thread worker = new Thread(runnable);
                worker.setUncaughtExceptionHandler((thread, failure) -> uncaught.complete(failure));
                return worker;
            });
            switch (args[0]) {
                case "cancel-running" -> cancelRunning(pool);
                case "cancel-queued" -> cancelQueued(pool);
                case "shutdown-now" -> shutdownNow(pool);
                case "interrupted-submitter" -> interruptedSubmitter(pool);
                case "uncaught" -> uncaught(pool, uncaught);
                default -> throw new IllegalArgumentException(args[0]);
            }
            pool.shutdownNow();
            System.out.println("terminated: " + pool.awaitTermination(10, TimeUnit.SECONDS));
        }

        private static void cancelRunning(ExecutorService pool) throws Exception {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<String> outcome = new CompletableFuture<>();
            Future<?> running = pool.submit(() -> {
                started.countDown();
                try {
                    Thread.sleep(TimeUnit.MINUTES.toMillis(1));
                    outcome.complete("slept");
                } catch (InterruptedException e) {
                    outcome.complete("interrupted, flag now " + Thread.currentThread().isInterrupted());
                }
            });
            started.await(10, TimeUnit.SECONDS);
            System.out.println("cancel(true): " + running.cancel(true));
            System.out.println("task: " + outcome.get(10, TimeUnit.SECONDS));
            System.out.println("isCancelled: " + running.isCancelled() + ", isDone: " + running.isDone());
            try {
                running.get();
            } catch (CancellationException e) {
                System.out.println("get: CancellationException");
            }
            System.out.println("next task sees interrupt flag: "
                    + pool.submit(() -> Thread.currentThread().isInterrupted()).get(10, TimeUnit.SECONDS));
        }

        private static void cancelQueued(ThreadPoolExecutor pool) throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            pool.execute(() -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CompletableFuture<String> ran = new CompletableFuture<>();
            Future<?> queued = pool.submit(() -> ran.complete("ran"));
            System.out.println("cancel(false): " + queued.cancel(false));
            System.out.println("queued still: " + pool.getQueue().size());
            release.countDown();
            System.out.println("after: " + pool.submit(() -> "later task ran").get(10, TimeUnit.SECONDS)
                    + ", cancelled task ran: " + ran.isDone());
        }

        private static void shutdownNow(ThreadPoolExecutor pool) throws Exception {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<String> outcome = new CompletableFuture<>();
            pool.execute(() -> {
                started.countDown();
                try {
                    Thread.sleep(TimeUnit.MINUTES.toMillis(1));
                    outcome.complete("slept");
                } catch (InterruptedException e) {
                    outcome.complete("interrupted");
                }
            });
            Runnable queued = () -> { };
            pool.execute(queued);
            started.await(10, TimeUnit.SECONDS);
            List<Runnable> drained = pool.shutdownNow();
            System.out.println("shutdownNow returned the queued task: " + (drained.size() == 1 && drained.get(0) == queued));
            System.out.println("running task: " + outcome.get(10, TimeUnit.SECONDS));
        }

        private static void interruptedSubmitter(ExecutorService pool) throws Exception {
            Thread.currentThread().interrupt();
            Future<String> result = pool.submit(() -> "ran");
            System.out.println("submitter still interrupted: " + Thread.interrupted());
            System.out.println("task: " + result.get(10, TimeUnit.SECONDS));
        }

        private static void uncaught(ExecutorService pool, CompletableFuture<Throwable> uncaught) throws Exception {
            IllegalStateException failure = new IllegalStateException("escaped the task");
            pool.execute(() -> {
                throw failure;
            });
            System.out.println("uncaught handler got the same exception: " + (uncaught.get(10, TimeUnit.SECONDS) == failure));
            System.out.println("pool still runs tasks: " + pool.submit(() -> "yes").get(10, TimeUnit.SECONDS));
            try {
                pool.submit(() -> {
                    throw failure;
                }).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                System.out.println("Future.get cause is the same exception: " + (e.getCause() == failure));
            }
        }
    }

    private static void assertSameWithAndWithoutAgent(String scenario, String... expected) throws Exception {
        // The api's one-line reminder that the agent is missing is not the behaviour compared here.
        JvmRunner.Result without = JvmRunner.run(List.of("-Dtaskctx.warnWithoutAgent=false"), Scenarios.class, scenario);
        JvmRunner.Result with = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), Scenarios.class, scenario);
        assertThat(without.exitCode()).as(without.stderr()).isZero();
        assertThat(with.exitCode()).as(with.stderr()).isZero();
        assertThat(with.stderr()).isEqualTo(without.stderr());
        assertThat(with.stdoutLines()).isEqualTo(without.stdoutLines());
        assertThat(with.stdoutLines()).containsExactly(expected);
    }

    @Test
    void cancellingARunningTaskInterruptsItAsWithoutTheAgent() throws Exception {
        assertSameWithAndWithoutAgent("cancel-running",
                "cancel(true): true",
                "task: interrupted, flag now false",
                "isCancelled: true, isDone: true",
                "get: CancellationException",
                "next task sees interrupt flag: false",
                "terminated: true");
    }

    @Test
    void cancellingAQueuedTaskKeepsItFromRunningAsWithoutTheAgent() throws Exception {
        assertSameWithAndWithoutAgent("cancel-queued",
                "cancel(false): true",
                "queued still: 1",
                "after: later task ran, cancelled task ran: false",
                "terminated: true");
    }

    @Test
    void shutdownNowInterruptsAndReturnsQueuedTasksAsWithoutTheAgent() throws Exception {
        assertSameWithAndWithoutAgent("shutdown-now",
                "shutdownNow returned the queued task: true",
                "running task: interrupted",
                "terminated: true");
    }

    @Test
    void anInterruptedSubmitterStaysInterruptedAsWithoutTheAgent() throws Exception {
        assertSameWithAndWithoutAgent("interrupted-submitter",
                "submitter still interrupted: true",
                "task: ran",
                "terminated: true");
    }

    @Test
    void exceptionsReachTheUncaughtHandlerAndFutureGetAsWithoutTheAgent() throws Exception {
        assertSameWithAndWithoutAgent("uncaught",
                "uncaught handler got the same exception: true",
                "pool still runs tasks: yes",
                "Future.get cause is the same exception: true",
                "terminated: true");
    }
}
