package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.taskctx.TaskContext;
import dev.taskctx.it.ExecutorKind.QueueExecutor;
import dev.taskctx.it.ExecutorKind.QueueExecutorService;
import dev.taskctx.it.ExecutorKind.Running;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every hand-off keeps (contract points 2-4), defined once and run against every executor
 * kind the agent supports; a family's own test holds only what is special to it. The fork/join and
 * {@code CompletableFuture} kinds are tagged {@code forkjoin}, so that they run again with a common
 * pool of parallelism 4.
 */
class ExecutorContractTest {

    @Nested
    class PoolsThreadsAndTimers extends Contract {
        @Override
        List<ExecutorKind> kinds() {
            return List.of(
                    // One thread: with two, later tasks may all be taken by the other one.
                    ExecutorKind.of("Executors.newFixedThreadPool execute", () -> {
                        ExecutorService pool = Executors.newFixedThreadPool(1);
                        return ExecutorKind.pool(pool, pool::execute);
                    }).throwEndsWorker(),
                    ExecutorKind.of("Executors.newFixedThreadPool submit", () -> {
                        ExecutorService pool = Executors.newFixedThreadPool(1);
                        return ExecutorKind.pool(pool, pool::submit);
                    }),
                    // A hand-off made before the last task's thread is back polling starts another thread.
                    ExecutorKind.of("Executors.newCachedThreadPool execute", () -> {
                        ExecutorService pool = Executors.newCachedThreadPool();
                        return ExecutorKind.pool(pool, pool::execute);
                    }).anyOfSeveralWorkers(),
                    ExecutorKind.of("Executors.newSingleThreadExecutor execute", () -> {
                        ExecutorService pool = Executors.newSingleThreadExecutor();
                        return ExecutorKind.pool(pool, pool::execute);
                    }).throwEndsWorker(),
                    ExecutorKind.of("Executors.newSingleThreadExecutor submit", () -> {
                        ExecutorService pool = Executors.newSingleThreadExecutor();
                        return ExecutorKind.pool(pool, pool::submit);
                    }),
                    // On JDK 25 a second worker was seen taking the later tasks (2 runs in 7 of the suite); every
                    // later task must still see nothing, whichever worker runs it.
                    ExecutorKind.of("ScheduledThreadPoolExecutor execute", () -> {
                        ScheduledExecutorService pool = Executors.newScheduledThreadPool(1);
                        return ExecutorKind.pool(pool, pool::execute);
                    }).anyOfSeveralWorkers(),
                    ExecutorKind.of("ScheduledThreadPoolExecutor schedule", () -> {
                        ScheduledExecutorService pool = Executors.newScheduledThreadPool(1);
                        return ExecutorKind.pool(pool, task -> pool.schedule(task, 1, TimeUnit.MILLISECONDS));
                    }).anyOfSeveralWorkers(),
                    ExecutorKind.of("application Executor with its own queue and thread", () -> {
                        QueueExecutor executor = new QueueExecutor();
                        return ExecutorKind.closing(executor::execute, executor.queue);
                    }),
                    // Runs in the caller's thread: "the worker is clean after" means the caller's context is as before.
                    ExecutorKind.of("application direct Executor", () -> ExecutorKind.shared(new ExecutorPropagationTest.DirectExecutor()::execute))
                            .inline(),
                    ExecutorKind.of("AbstractExecutorService subclass submit", () -> {
                        QueueExecutorService service = new QueueExecutorService();
                        return ExecutorKind.closing(service::submit, service.queue);
                    }),
                    ExecutorKind.of("Executors.newVirtualThreadPerTaskExecutor execute", () -> {
                        Jdk21Threads.assumeAvailable();
                        ExecutorService executor = Jdk21Threads.newVirtualThreadPerTaskExecutor();
                        return ExecutorKind.pool(executor, executor::execute);
                    }).threadPerTask(),
                    ExecutorKind.of("Executors.newVirtualThreadPerTaskExecutor submit", () -> {
                        Jdk21Threads.assumeAvailable();
                        ExecutorService executor = Jdk21Threads.newVirtualThreadPerTaskExecutor();
                        return ExecutorKind.pool(executor, executor::submit);
                    }).threadPerTask(),
                    ExecutorKind.of("Executors.newThreadPerTaskExecutor execute", () -> {
                        Jdk21Threads.assumeAvailable();
                        ExecutorService executor = Jdk21Threads.newThreadPerTaskExecutor(
                                Jdk21Threads.factory(Jdk21Threads.ofPlatform()));
                        return ExecutorKind.pool(executor, executor::execute);
                    }).threadPerTask(),
                    ExecutorKind.of("Executors.newThreadPerTaskExecutor submit", () -> {
                        Jdk21Threads.assumeAvailable();
                        ExecutorService executor = Jdk21Threads.newThreadPerTaskExecutor(
                                Jdk21Threads.factory(Jdk21Threads.ofPlatform()));
                        return ExecutorKind.pool(executor, executor::submit);
                    }).threadPerTask(),
                    ExecutorKind.of("new Thread per task", ExecutorKind::newThreadPerTask).threadPerTask(),
                    // An exception escaping a TimerTask ends the timer thread and cancels the Timer (java.util.Timer's own contract).
                    ExecutorKind.of("java.util.Timer schedule", ExecutorKind::timer).throwEndsExecutor());
        }
    }

    @Nested
    @Tag("forkjoin")
    class ForkJoinAndCompletableFuture extends Contract {
        @Override
        List<ExecutorKind> kinds() {
            boolean severalCommonWorkers = ForkJoinPool.getCommonPoolParallelism() > 1;
            return List.of(
                    // ForkJoinPool.execute(Runnable) rethrows the task's exception into its worker (JDK 17's RunnableExecuteAction).
                    ExecutorKind.of("ForkJoinPool execute", () -> {
                        ForkJoinPool pool = new ForkJoinPool(1);
                        return ExecutorKind.pool(pool, pool::execute);
                    }).throwEndsWorker(),
                    ExecutorKind.of("ForkJoinPool submit", () -> {
                        ForkJoinPool pool = new ForkJoinPool(1);
                        return ExecutorKind.pool(pool, pool::submit);
                    }),
                    severalWorkers(ExecutorKind.of("ForkJoinPool.commonPool execute",
                            () -> ExecutorKind.shared(ForkJoinPool.commonPool()::execute)).throwEndsWorker(), severalCommonWorkers),
                    severalWorkers(ExecutorKind.of("ForkJoinPool.commonPool submit",
                            () -> ExecutorKind.shared(ForkJoinPool.commonPool()::submit)), severalCommonWorkers),
                    // The submitter is a task of the pool and blocks while another worker steals its fork:
                    // which worker runs a later fork is not for the test to steer.
                    ExecutorKind.of("ForkJoinTask.fork inside a pool task",
                            () -> ExecutorKind.forkInside(new ForkJoinPool(2))).anyOfSeveralWorkers(),
                    // A new thread per task below common-pool parallelism 2 (JDK 17), any common-pool worker above.
                    ExecutorKind.of("CompletableFuture.runAsync default executor",
                            () -> ExecutorKind.shared(CompletableFuture::runAsync)).anyOfSeveralWorkers(),
                    ExecutorKind.of("CompletableFuture.runAsync given executor", () -> {
                        ExecutorService pool = Executors.newFixedThreadPool(1);
                        return ExecutorKind.pool(pool, task -> CompletableFuture.runAsync(task, pool));
                    }));
        }

        private static ExecutorKind severalWorkers(ExecutorKind kind, boolean several) {
            return several ? kind.anyOfSeveralWorkers() : kind;
        }
    }

    /** Thrown by a task on purpose; no stack trace, so that a worker's uncaught-exception line stays one line. */
    static final class TaskFailure extends RuntimeException {
        TaskFailure() {
            super("thrown by the task on purpose", null, false, false);
        }
    }

    /** What one task saw: its thread and its context. */
    record Seen(Thread thread, Map<String, Object> context) {
        static Seen now() {
            return new Seen(Thread.currentThread(), TaskContext.asMap());
        }
    }

    /** The contract, once; each nested class names the kinds it runs against. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Contract {

        /** How many later tasks may be handed off while looking for the worker that ran an earlier one. */
        private static final int LATER_TASKS = 50;

        @RegisterExtension
        final AgentPools pools = new AgentPools();

        private Running running;

        abstract List<ExecutorKind> kinds();

        @AfterEach
        void close() throws Exception {
            if (running != null) {
                running.close();
                running = null;
            }
        }

        /** Starts an executor of {@code kind} and gives it a first task while the context is empty, so that its workers start empty. */
        private Running start(ExecutorKind kind) throws Exception {
            running = kind.start();
            assertThat(TaskContext.asMap()).isEmpty();
            assertThat(running.asSubmitter(() -> await(handOff(running, Seen::now)).context())).isEmpty();
            return running;
        }

        private static <T> CompletableFuture<T> handOff(Running running, Callable<T> task) {
            CompletableFuture<T> result = new CompletableFuture<>();
            running.handOff(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable failed) {
                    result.completeExceptionally(failed);
                }
            });
            return result;
        }

        private static <T> T await(CompletableFuture<T> result) throws Exception {
            try {
                return result.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return fail("the task did not run within 20 s");
            }
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void taskSeesTheSubmittersValueAtSubmission(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            Map<String, Object> seen = executor.asSubmitter(() -> {
                TaskContext.set("request_id", "submitter");
                return await(handOff(executor, TaskContext::asMap));
            });
            assertThat(seen).isEqualTo(Map.of("request_id", "submitter"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void whatTheSubmitterSetsAfterSubmittingIsNotSeen(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            Map<String, Object> seen = executor.asSubmitter(() -> {
                TaskContext.set("request_id", "at-submission");
                CountDownLatch submitterChanged = new CountDownLatch(1);
                CompletableFuture<Map<String, Object>> task = handOff(executor, () -> {
                    // An inline task has run before the submitter can change anything: waiting would deadlock.
                    if (!kind.runsInline()) {
                        assertThat(submitterChanged.await(20, TimeUnit.SECONDS)).isTrue();
                    }
                    return TaskContext.asMap();
                });
                TaskContext.set("request_id", "after-submission");
                TaskContext.set("set_after_submission", "later");
                submitterChanged.countDown();
                return await(task);
            });
            assertThat(seen).isEqualTo(Map.of("request_id", "at-submission"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void whatATaskSetsIsSeenByNeitherItsSubmitterNorASibling(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            List<Map<String, Object>> seen = executor.asSubmitter(() -> {
                TaskContext.set("request_id", "submitter");
                Map<String, Object> first = await(handOff(executor, () -> {
                    TaskContext.set("request_id", "changed-by-first-task");
                    TaskContext.set("task_data", "first-task");
                    return TaskContext.asMap();
                }));
                Map<String, Object> sibling = await(handOff(executor, TaskContext::asMap));
                return List.of(first, sibling, TaskContext.asMap());
            });
            assertThat(seen.get(0)).as("the first task").isEqualTo(Map.of("request_id", "changed-by-first-task", "task_data", "first-task"));
            assertThat(seen.get(1)).as("its sibling").isEqualTo(Map.of("request_id", "submitter"));
            assertThat(seen.get(2)).as("the submitter").isEqualTo(Map.of("request_id", "submitter"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void workerIsCleanAfterTheTask(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            List<Object> ran = executor.asSubmitter(() -> {
                TaskContext.set("request_id", "request");
                Seen task = await(handOff(executor, () -> {
                    TaskContext.set("task_data", "set-by-the-task");
                    return Seen.now();
                }));
                return List.of(task, TaskContext.asMap());
            });
            Seen task = (Seen) ran.get(0);
            assertThat(task.context()).isEqualTo(Map.of("request_id", "request", "task_data", "set-by-the-task"));
            assertThat(ran.get(1)).as("the submitter (for an inline kind, the thread that ran the task)")
                    .isEqualTo(Map.of("request_id", "request"));
            assertLaterTasksSeeNothing(kind, executor, task.thread(), kind.workerRecurs());
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void workerIsCleanAfterATaskThatThrows(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            List<Object> ran = executor.asSubmitter(() -> {
                TaskContext.set("request_id", "request");
                CompletableFuture<Seen> thrower = new CompletableFuture<>();
                try {
                    executor.handOff(() -> {
                        TaskContext.set("task_data", "set-before-throwing");
                        thrower.complete(Seen.now());
                        throw new TaskFailure();
                    });
                    assertThat(kind.runsInline()).as("only an inline task's throw reaches the submitter").isFalse();
                } catch (TaskFailure reachedTheCaller) {
                    assertThat(kind.runsInline()).as("only an inline task's throw reaches the submitter").isTrue();
                }
                return List.of(await(thrower), TaskContext.asMap());
            });
            Seen thrower = (Seen) ran.get(0);
            assertThat(thrower.context()).isEqualTo(Map.of("request_id", "request", "task_data", "set-before-throwing"));
            assertThat(ran.get(1)).as("the submitter (for an inline kind, the thread that ran the task)")
                    .isEqualTo(Map.of("request_id", "request"));
            if (kind.throwEndsTheExecutor()) {
                // Nothing runs on it any more: what is left to check is that the agent did not change that.
                thrower.thread().join(10_000);
                assertThatThrownBy(() -> executor.handOff(() -> { })).isInstanceOf(IllegalStateException.class);
                return;
            }
            assertLaterTasksSeeNothing(kind, executor, thrower.thread(), kind.workerRecursAfterThrow());
        }

        /**
         * Hands off tasks with an empty context until one runs on {@code worker} (at most {@value #LATER_TASKS});
         * each must see nothing, including the keys the earlier task set itself.
         */
        private static void assertLaterTasksSeeNothing(ExecutorKind kind, Running executor, Thread worker, boolean workerRecurs)
                throws Exception {
            TaskContext.clear();
            List<Seen> later = executor.asSubmitter(() -> {
                List<Seen> seen = new ArrayList<>();
                do {
                    seen.add(await(handOff(executor, Seen::now)));
                } while (workerRecurs && seen.get(seen.size() - 1).thread() != worker && seen.size() < LATER_TASKS);
                return seen;
            });
            assertThat(later).allSatisfy(seen -> assertThat(seen.context()).as("a later task's context").isEmpty());
            if (workerRecurs) {
                assertThat(later.get(later.size() - 1).thread()).as("a later task ran on the same worker").isSameAs(worker);
            }
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("kinds")
        void nestedHandOffPassesOnTheTasksOwnContext(ExecutorKind kind) throws Exception {
            Running executor = start(kind);
            ExecutorService another = Executors.newSingleThreadExecutor();
            try {
                another.submit(() -> null).get(10, TimeUnit.SECONDS); // its worker starts empty
                List<Map<String, Object>> seen = executor.asSubmitter(() -> {
                    TaskContext.set("request_id", "outer");
                    CompletableFuture<Map<String, Object>> sameKind = new CompletableFuture<>();
                    CompletableFuture<Map<String, Object>> anotherExecutor = new CompletableFuture<>();
                    // The outer task does not wait for its inner ones: on a single-thread kind that would deadlock.
                    await(handOff(executor, () -> {
                        TaskContext.set("task_data", "set-by-the-outer-task");
                        executor.handOff(() -> sameKind.complete(TaskContext.asMap()));
                        another.execute(() -> anotherExecutor.complete(TaskContext.asMap()));
                        return null;
                    }));
                    return List.of(await(sameKind), await(anotherExecutor));
                });
                Map<String, Object> outer = Map.of("request_id", "outer", "task_data", "set-by-the-outer-task");
                assertThat(seen.get(0)).as("handed off to the same executor").isEqualTo(outer);
                assertThat(seen.get(1)).as("handed off to another executor").isEqualTo(outer);
            } finally {
                another.shutdownNow();
            }
        }
    }
}
