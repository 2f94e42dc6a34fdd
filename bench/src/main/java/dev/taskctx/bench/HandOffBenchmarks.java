package dev.taskctx.bench;

import com.alibaba.ttl.TtlRunnable;
import dev.taskctx.TaskContext;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/** Cost of one hand-off of a no-op task, per task (ns/op). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandOffBenchmarks {

    static final int BATCH = 1000;
    private static final Runnable NO_OP = () -> { };
    private static final UnaryOperator<Integer> SAME = x -> x;
    private static final Executor DIRECT = new DirectExecutor();

    /** One worker: the other core is the submitting benchmark thread. */
    @State(Scope.Benchmark)
    public static class Pool {

        ThreadPoolExecutor executor;
        final CountDown[] reusedTasks = new CountDown[BATCH];

        {
            Batch batch = new Batch();
            for (int i = 0; i < BATCH; i++) {
                reusedTasks[i] = new CountDown(batch);
            }
        }

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            executor.prestartAllCoreThreads();
            if (params.getBenchmark().endsWith("completableFutureAsyncChain")) {
                Propagation.check(params, probe -> {
                    CompletableFuture<Integer> root = new CompletableFuture<>();
                    CompletableFuture<Integer> stage = root.thenApplyAsync(x -> {
                        probe.run();
                        return x;
                    }, executor);
                    root.complete(0);
                    stage.join();
                });
            } else if (params.getBenchmark().endsWith("ReusedTasks")) {
                // one task object executed, run, and executed again: both runs must see the context
                Propagation.checkPool(params, probe -> {
                    Semaphore ran = new Semaphore(0);
                    Runnable reused = () -> {
                        try {
                            probe.run();
                        } finally {
                            ran.release();
                        }
                    };
                    for (int run = 0; run < 2; run++) {
                        executor.execute(reused);
                        if (!ran.tryAcquire(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("probe task did not run within 30 s");
                        }
                    }
                });
            } else {
                Propagation.checkPool(params, probe -> runAndWait(executor, probe));
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stopAndWait(executor);
        }
    }

    @State(Scope.Benchmark)
    public static class ScheduledPool {

        ScheduledThreadPoolExecutor executor;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            executor = new ScheduledThreadPoolExecutor(1);
            executor.prestartAllCoreThreads();
            Propagation.check(params, probe -> runAndWait(executor, probe));
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stopAndWait(executor);
        }
    }

    /** A ForkJoinPool of parallelism 1, its worker started before the check sets the context. */
    @State(Scope.Benchmark)
    public static class ForkJoin {

        ForkJoinPool pool;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            pool = new ForkJoinPool(1);
            pool.submit(NO_OP).get();
            if (params.getBenchmark().endsWith("forkJoinTaskFork")) {
                Propagation.check(params, probe -> pool.invoke(new FanOut(1, () -> {
                    if (ForkJoinTask.getPool() != pool) {
                        throw new IllegalStateException("leaf ran outside the benchmark's pool");
                    }
                    probe.run();
                })));
            } else {
                Propagation.check(params, probe -> runAndWait(pool, probe));
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            stopAndWait(pool);
        }
    }

    @State(Scope.Benchmark)
    public static class ApplicationExecutor {

        QueueExecutor executor;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            executor = new QueueExecutor();
            Propagation.check(params, probe -> runAndWait(executor, probe));
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            executor.shutdown();
        }
    }

    @State(Scope.Benchmark)
    public static class Direct {

        @Setup(Level.Trial)
        public void check(BenchmarkParams params) throws Exception {
            Propagation.check(params, DIRECT::execute);
        }
    }

    /** Forks {@code leaves} leaves running {@code leaf}, then joins them newest first (each join pops its own leaf). */
    static final class FanOut extends RecursiveAction {

        private final int leaves;
        private final Runnable leaf;

        FanOut(int leaves, Runnable leaf) {
            this.leaves = leaves;
            this.leaf = leaf;
        }

        @Override
        protected void compute() {
            Leaf[] forked = new Leaf[leaves];
            for (int i = 0; i < leaves; i++) {
                forked[i] = new Leaf(leaf);
                forked[i].fork();
            }
            for (int i = leaves - 1; i >= 0; i--) {
                forked[i].join();
            }
        }
    }

    static final class Leaf extends RecursiveAction {

        private final Runnable body;

        Leaf(Runnable body) {
            this.body = body;
        }

        @Override
        protected void compute() {
            body.run();
        }
    }

    /** {@code ThreadPoolExecutor.execute} of a batch of new no-op tasks, waiting until all ran. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void threadPoolExecutor(Entries context, Pool pool) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(BATCH);
        for (int i = 0; i < BATCH; i++) {
            pool.executor.execute(done::countDown);
        }
        done.await();
    }

    /**
     * The same batch, queued while the worker is held by a gate task and then run in one go: the worker
     * never parks between tasks, so this is the hand-off itself (execute, queue, run) without the
     * thread wake-ups that dominate {@link #threadPoolExecutor} on 2 CPUs.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void threadPoolExecutorQueued(Entries context, Pool pool) throws InterruptedException {
        queuedBatch(pool.executor);
    }

    /**
     * The queued batch with task objects made once per trial, each executed once per batch: a task class
     * that is not a new lambda per hand-off (no task allocated, a long-lived identity). Each object is
     * in the queue at most once at a time: one object queued twice at once carries the context to its
     * first run only with OpenTelemetry's agent (taskctx queues the second hand-off in a wrapper).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void threadPoolExecutorQueuedReusedTasks(Entries context, Pool pool) throws InterruptedException {
        CountDown[] tasks = pool.reusedTasks;
        CountDownLatch done = new CountDownLatch(BATCH);
        tasks[0].batch.done = done;
        CountDownLatch gate = hold(pool.executor);
        for (CountDown task : tasks) {
            pool.executor.execute(task);
        }
        gate.countDown();
        done.await();
    }

    /** {@code ScheduledThreadPoolExecutor.execute} (its own path, not ThreadPoolExecutor's), queued batch, 1 worker. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void scheduledThreadPoolExecutorQueued(Entries context, ScheduledPool pool) throws InterruptedException {
        queuedBatch(pool.executor);
    }

    /** {@code ForkJoinPool.execute} from outside the pool (external submission), queued batch, parallelism 1. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void forkJoinPoolQueued(Entries context, ForkJoin pool) throws InterruptedException {
        queuedBatch(pool.pool);
    }

    /** {@code ForkJoinTask.fork} of a no-op leaf inside a pool worker, joined; parallelism 1. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void forkJoinTaskFork(Entries context, ForkJoin pool) {
        pool.pool.invoke(new FanOut(BATCH, NO_OP));
    }

    /**
     * One {@code thenApplyAsync} stage on a 1-thread pool: a chain of a batch of stages registered on an
     * incomplete future, which the benchmark thread then completes; the worker runs each stage and
     * submits the next, never parking between them.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Integer completableFutureAsyncChain(Entries context, Pool pool) {
        CompletableFuture<Integer> root = new CompletableFuture<>();
        CompletableFuture<Integer> stage = root;
        for (int i = 0; i < BATCH; i++) {
            stage = stage.thenApplyAsync(SAME, pool.executor);
        }
        root.complete(0);
        return stage.join();
    }

    /** {@code execute} on an application executor with its own queue and worker thread, queued batch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void applicationExecutorQueued(Entries context, ApplicationExecutor executor) throws InterruptedException {
        queuedBatch(executor.executor);
    }

    /** An application executor that runs the task in place: capture, install and restore without a queue. */
    @Benchmark
    public void directExecutor(Entries context, Direct checked) {
        DIRECT.execute(NO_OP);
    }

    /** taskctx's own per-hand-off work through its API (agent-independent). */
    @Benchmark
    public void apiTaskctxCaptureRun(Entries context) {
        TaskContext.capture().run(NO_OP);
    }

    /** What the TTL agent adds per hand-off: TtlRunnable.get captures, run replays and restores (agent-independent). */
    @Benchmark
    public void apiTtlCaptureRun(Entries context) {
        TtlRunnable.get(NO_OP).run();
    }

    /** What OpenTelemetry's agent adds per hand-off: Context.current().wrap captures, run makes it current and closes (agent-independent). */
    @Benchmark
    public void apiOtelCaptureRun(Entries context) {
        Context.current().wrap(NO_OP).run();
    }

    /**
     * A batch of new no-op tasks queued while the only worker is held by a gate task, then run in one
     * go, waited for.
     */
    static void queuedBatch(Executor executor) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(BATCH);
        CountDownLatch gate = hold(executor);
        for (int i = 0; i < BATCH; i++) {
            executor.execute(done::countDown);
        }
        gate.countDown();
        done.await();
    }

    /** Holds the executor's only worker in a gate task until the returned gate is opened. */
    private static CountDownLatch hold(Executor executor) {
        CountDownLatch gate = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return gate;
    }

    /** The latch that the reused tasks of the running batch count down. */
    static final class Batch {

        volatile CountDownLatch done;
    }

    /** A task object made once and executed once per batch. */
    static final class CountDown implements Runnable {

        final Batch batch;

        CountDown(Batch batch) {
            this.batch = batch;
        }

        @Override
        public void run() {
            batch.done.countDown();
        }
    }

    private static void runAndWait(Executor executor, Runnable probe) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                probe.run();
            } finally {
                ran.countDown();
            }
        });
        awaitProbe(ran);
    }

    private static void awaitProbe(CountDownLatch ran) throws InterruptedException {
        if (!ran.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("probe task did not run within 30 s");
        }
    }

    static void stopAndWait(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(30, TimeUnit.SECONDS);
    }
}
