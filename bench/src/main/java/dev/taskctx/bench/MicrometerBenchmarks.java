package dev.taskctx.bench;

import dev.taskctx.TaskContext;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A {@code ThreadPoolExecutor} hand-off (the queued batch of {@link HandOffBenchmarks}) with 3 task-context
 * entries and 0 or 3 Micrometer {@code ThreadLocalAccessor}s registered in {@code ContextRegistry}, each
 * with a value on the submitting thread. Run outside {@link BenchMain}, in a JVM started with
 * {@code -javaagent:taskctx.jar=micrometer} and in one without an agent (see bench/README.md); the set-up
 * fails when the agent is on and a task does not see every accessor's value.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MicrometerBenchmarks {

    @Param({"0", "3"})
    public int accessors;

    private final List<ThreadLocal<String>> threadLocals = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();
    private ThreadPoolExecutor executor;

    /** A plain Micrometer accessor over one thread-local. */
    static final class Accessor implements ThreadLocalAccessor<String> {
        private final String key;
        private final ThreadLocal<String> threadLocal;

        Accessor(String key, ThreadLocal<String> threadLocal) {
            this.key = key;
            this.threadLocal = threadLocal;
        }

        @Override
        public Object key() {
            return key;
        }

        @Override
        public String getValue() {
            return threadLocal.get();
        }

        @Override
        public void setValue(String value) {
            threadLocal.set(value);
        }

        @Override
        public void setValue() {
            threadLocal.remove();
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        for (int i = 0; i < accessors; i++) {
            ThreadLocal<String> threadLocal = new ThreadLocal<>();
            String key = "bench.accessor." + i;
            threadLocals.add(threadLocal);
            keys.add(key);
            ContextRegistry.getInstance().registerThreadLocalAccessor(new Accessor(key, threadLocal));
        }
        executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        executor.prestartAllCoreThreads();
        set();
        if (TaskContext.agentActive()) {
            CompletableFuture<List<String>> seen = new CompletableFuture<>();
            executor.execute(() -> {
                List<String> values = new ArrayList<>();
                for (ThreadLocal<String> threadLocal : threadLocals) {
                    values.add(threadLocal.get());
                }
                seen.complete(values);
            });
            for (String value : seen.get(30, TimeUnit.SECONDS)) {
                if (!"value".equals(value)) {
                    throw new IllegalStateException("a pool task did not see a Micrometer accessor's value: is the "
                            + "agent option micrometer on? saw " + value);
                }
            }
        }
    }

    /** Per iteration: JMH runs each iteration as a task of its own pool, which starts with an empty context. */
    @Setup(Level.Iteration)
    public void set() {
        for (int i = 0; i < 3; i++) {
            TaskContext.set("key-" + i, "value-" + i);
        }
        for (ThreadLocal<String> threadLocal : threadLocals) {
            threadLocal.set("value");
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        for (String key : keys) {
            ContextRegistry.getInstance().removeThreadLocalAccessor(key);
        }
        HandOffBenchmarks.stopAndWait(executor);
    }

    @Benchmark
    @OperationsPerInvocation(HandOffBenchmarks.BATCH)
    public void threadPoolExecutorQueued() throws InterruptedException {
        HandOffBenchmarks.queuedBatch(executor);
    }
}
