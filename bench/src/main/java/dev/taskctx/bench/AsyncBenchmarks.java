package dev.taskctx.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/** CompletableFuture and parallel streams on the default (common) pool, with 3 entries in the context (µs/op). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AsyncBenchmarks {

    static final int STAGES = 5;

    @State(Scope.Thread)
    public static class ThreeEntries {

        @Setup(Level.Iteration)
        public void set() {
            Entries.fill(3);
        }

        @TearDown(Level.Iteration)
        public void clear() {
            Entries.fill(0);
        }
    }

    @State(Scope.Benchmark)
    public static class DefaultExecutor {

        @Setup(Level.Trial)
        public void check(BenchmarkParams params) throws Exception {
            Propagation.check(params, probe -> CompletableFuture.runAsync(probe).join());
        }
    }

    /** supplyAsync then four thenApplyAsync stages on the default executor, joined. */
    @Benchmark
    public int completableFutureChain(ThreeEntries context, DefaultExecutor checked) {
        CompletableFuture<Integer> stage = CompletableFuture.supplyAsync(() -> 1);
        for (int i = 1; i < STAGES; i++) {
            stage = stage.thenApplyAsync(x -> x + 1);
        }
        return stage.join();
    }

    /** Sum of 0..99999 as a parallel stream. */
    @Benchmark
    public long parallelStreamSum(ThreeEntries context) {
        return LongStream.range(0, 100_000).parallel().sum();
    }
}
