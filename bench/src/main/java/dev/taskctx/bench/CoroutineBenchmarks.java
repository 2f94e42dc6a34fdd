package dev.taskctx.bench;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import kotlinx.coroutines.CoroutineDispatcher;
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

/**
 * Kotlin coroutines (kotlinx.coroutines) on a single-thread dispatcher over a 1-worker
 * {@code ThreadPoolExecutor}, per suspension (ns/op): the coroutine is started by the benchmark
 * thread, so it starts with that thread's context, which each resume installs again.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CoroutineBenchmarks {

    static final int BATCH = 1000;

    @State(Scope.Benchmark)
    public static class SingleThread {

        ThreadPoolExecutor executor;
        CoroutineDispatcher dispatcher;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            executor.prestartAllCoreThreads();
            dispatcher = CoroutineWork.dispatcher(executor);
            if (params.getBenchmark().endsWith("launchJoin")) {
                Propagation.check(params, probe -> CoroutineWork.inLaunchedChild(dispatcher, probe));
            } else {
                Propagation.check(params, probe -> CoroutineWork.afterYield(dispatcher, probe));
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** One suspension and resume: {@code yield()} in a loop of one coroutine, each resume dispatched to the worker. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void yieldResume(Entries context, SingleThread dispatcher) {
        CoroutineWork.yields(dispatcher.dispatcher, BATCH);
    }

    /** {@code launch { }.join()}: a new child coroutine dispatched, run, and its parent resumed. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void launchJoin(Entries context, SingleThread dispatcher) {
        CoroutineWork.launchJoins(dispatcher.dispatcher, BATCH);
    }
}
