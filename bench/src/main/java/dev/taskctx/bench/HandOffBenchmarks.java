package dev.taskctx.bench;

import com.alibaba.ttl.TtlRunnable;
import dev.taskctx.TaskContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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

/** Cost of one hand-off of a no-op task, per task (ns/op). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandOffBenchmarks {

    static final int BATCH = 1000;
    private static final Runnable NO_OP = () -> { };

    @State(Scope.Benchmark)
    public static class Pool {

        ThreadPoolExecutor executor;

        @Setup(Level.Trial)
        public void start() {
            // One worker: the other core is the submitting benchmark thread.
            executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            executor.prestartAllCoreThreads();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static final Executor DIRECT = new DirectExecutor();

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
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(BATCH);
        pool.executor.execute(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 0; i < BATCH; i++) {
            pool.executor.execute(done::countDown);
        }
        gate.countDown();
        done.await();
    }

    /** An application executor that runs the task in place: capture, install and restore without a queue. */
    @Benchmark
    public void directExecutor(Entries context) {
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
}
