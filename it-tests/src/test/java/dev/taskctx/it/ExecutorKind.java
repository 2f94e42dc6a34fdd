package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One kind of hand-off the agent supports, for {@link ExecutorContractTest}: how to start an executor
 * of that kind for one test, how to hand it a task, and what the kind legitimately cannot do.
 */
final class ExecutorKind {

    /** An executor of a kind, started for one test. */
    interface Running {
        /** Hands {@code task} off the way the kind does; an inline kind runs it here, and its throw escapes here. */
        void handOff(Runnable task);

        /** Runs {@code body} as the code that hands tasks off; for most kinds that is the calling thread. */
        default <T> T asSubmitter(Callable<T> body) throws Exception {
            return body.call();
        }

        void close() throws Exception;
    }

    interface Starter {
        Running start() throws Exception;
    }

    private final String name;
    private final Starter starter;
    private boolean inline;
    private boolean workerRecurs = true;
    private boolean workerSurvivesThrow = true;
    private boolean throwEndsExecutor;

    private ExecutorKind(String name, Starter starter) {
        this.name = name;
        this.starter = starter;
    }

    static ExecutorKind of(String name, Starter starter) {
        return new ExecutorKind(name, starter);
    }

    /** The task runs in the caller's thread, before {@code handOff} returns. */
    ExecutorKind inline() {
        inline = true;
        return this;
    }

    /** Every task gets a thread of its own: no later task runs on the same thread. */
    ExecutorKind threadPerTask() {
        workerRecurs = false;
        return this;
    }

    /** Any of several workers may take the next task, and the test cannot steer which. */
    ExecutorKind anyOfSeveralWorkers() {
        workerRecurs = false;
        return this;
    }

    /** A task that throws ends its worker thread; the executor carries on with a new one. */
    ExecutorKind throwEndsWorker() {
        workerSurvivesThrow = false;
        return this;
    }

    /** A task that throws ends the executor itself. */
    ExecutorKind throwEndsExecutor() {
        throwEndsExecutor = true;
        workerSurvivesThrow = false;
        return this;
    }

    boolean runsInline() {
        return inline;
    }

    boolean workerRecurs() {
        return workerRecurs;
    }

    boolean workerRecursAfterThrow() {
        return workerRecurs && workerSurvivesThrow;
    }

    boolean throwEndsTheExecutor() {
        return throwEndsExecutor;
    }

    Running start() throws Exception {
        return starter.start();
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- the ways of handing off, over executors the kinds create

    /** {@code pool} shut down when the test ends, tasks handed to it by {@code handOff}. */
    static Running pool(ExecutorService pool, Consumer<Runnable> handOff) {
        return new Running() {
            @Override
            public void handOff(Runnable task) {
                handOff.accept(task);
            }

            @Override
            public void close() throws InterruptedException {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        };
    }

    /** An executor that lives for the JVM (the common pool, the default async executor): nothing to close. */
    static Running shared(Consumer<Runnable> handOff) {
        return new Running() {
            @Override
            public void handOff(Runnable task) {
                handOff.accept(task);
            }

            @Override
            public void close() {
            }
        };
    }

    /** Each task forked from a running task of {@code pool}; the submitter is itself a task of the pool. */
    static Running forkInside(ForkJoinPool pool) {
        return new Running() {
            @Override
            public void handOff(Runnable task) {
                assertThat(Thread.currentThread()).isInstanceOfSatisfying(ForkJoinWorkerThread.class,
                        worker -> assertThat(worker.getPool()).as("fork() inside a task of the pool").isSameAs(pool));
                ForkJoinTask.adapt(task).fork();
            }

            @Override
            public <T> T asSubmitter(Callable<T> body) throws Exception {
                try {
                    return pool.submit(body).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException failed) {
                    throw failed.getCause() instanceof Exception exception ? exception : failed;
                }
            }

            @Override
            public void close() throws InterruptedException {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        };
    }

    static Running newThreadPerTask() {
        return shared(task -> {
            Thread thread = new Thread(task, "contract-thread-per-task");
            thread.setDaemon(true);
            thread.start();
        });
    }

    static Running timer() {
        Timer timer = new Timer("contract-timer", true);
        return new Running() {
            @Override
            public void handOff(Runnable task) {
                timer.schedule(new TimerTask() {
                    @Override
                    public void run() {
                        task.run();
                    }
                }, 0);
            }

            @Override
            public void close() {
                timer.cancel();
            }
        };
    }

    // ---- executors of the application, as a library or an application writes them

    /** A queue and the one thread that runs it, started by the first task; a task's throw does not end it. */
    static final class TaskQueue {
        private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
        private final String threadName;
        private Thread worker;

        TaskQueue(String threadName) {
            this.threadName = threadName;
        }

        synchronized void add(Runnable task) {
            tasks.add(task);
            if (worker == null) {
                worker = new Thread(this::loop, threadName);
                worker.setDaemon(true);
                worker.start();
            }
        }

        private void loop() {
            while (true) {
                try {
                    tasks.take().run();
                } catch (InterruptedException stop) {
                    return;
                } catch (RuntimeException failed) {
                    // an application's worker reports a failed task and runs the next one
                }
            }
        }

        synchronized void stop() throws InterruptedException {
            if (worker != null) {
                worker.interrupt();
                worker.join(10_000);
            }
        }
    }

    /** An application {@code Executor} with its own queue and worker thread. */
    static final class QueueExecutor implements Executor {
        final TaskQueue queue = new TaskQueue("contract-queue-executor");

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }
    }

    /** An {@code AbstractExecutorService} subclass: {@code submit} wraps the task in a FutureTask and calls this execute. */
    static final class QueueExecutorService extends AbstractExecutorService {
        final TaskQueue queue = new TaskQueue("contract-queue-executor-service");
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable command) {
            queue.add(command);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
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

    static Running closing(Consumer<Runnable> handOff, TaskQueue queue) {
        return new Running() {
            @Override
            public void handOff(Runnable task) {
                handOff.accept(task);
            }

            @Override
            public void close() throws InterruptedException {
                queue.stop();
            }
        };
    }
}
