package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts of a side-table binding and run, one thread, no agent (TaskTable is package-private, so
 * this class is in its package; it is not in BenchMain's default selection, run it with JMH's main:
 * {@code java -cp bench/target/benchmarks.jar org.openjdk.jmh.Main TaskTableBenchmarks -prof gc}).
 * A "task" is a new object per operation, as a new lambda per hand-off is.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class TaskTableBenchmarks {

    static final int BATCH = 1000;

    private final TaskTable table = new TaskTable();
    private final Object[] tasks = new Object[BATCH];
    private final AtomicInteger lock = new AtomicInteger();
    private Snapshot snapshot;
    private Object reused = new Object();

    @Setup
    public void setUp() {
        TaskContext.set("a", "1");
        TaskContext.set("b", "2");
        TaskContext.set("c", "3");
        snapshot = TaskContext.capture();
        TaskContext.clear();
        System.identityHashCode(reused);
    }

    /** Allocation of a task-sized object: the baseline of the next. */
    @Benchmark
    public Object newObject() {
        return new Object();
    }

    /** A weak reference, as the table's entry is one (with a queue, as the entry has). */
    @Benchmark
    public Object newWeakReference() {
        return new java.lang.ref.WeakReference<>(reused, QUEUE);
    }

    /** A plain object of the entry's size: what being a Reference adds to an entry's allocation. */
    @Benchmark
    public Object newPlainEntry() {
        return new Plain(reused, QUEUE, snapshot);
    }

    private static final java.lang.ref.ReferenceQueue<Object> QUEUE = new java.lang.ref.ReferenceQueue<>();

    /** As many fields as an entry. */
    static final class Plain {
        final Object referent;
        final Object queue;
        Object next;
        Object discovered;
        final Object snapshot;
        Object table;
        int hash;
        boolean keep;

        Plain(Object referent, Object queue, Object snapshot) {
            this.referent = referent;
            this.queue = queue;
            this.snapshot = snapshot;
        }
    }

    /** A new object and its identity hash: the JVM computes it and installs it in the header (slow path). */
    @Benchmark
    public int newObjectIdentityHash() {
        return System.identityHashCode(new Object());
    }

    /** The identity hash of an object that has one already (fast path: read from the header). */
    @Benchmark
    public int installedIdentityHash() {
        return System.identityHashCode(reused);
    }

    /** A spin-lock section as TaskTable's stripes had them: CAS in, volatile store out. */
    @Benchmark
    public int lockVolatileUnlock() {
        while (!lock.compareAndSet(0, 1)) {
            Thread.onSpinWait();
        }
        lock.set(0);
        return 0;
    }

    /** The same section released with a release store (no StoreLoad fence). */
    @Benchmark
    public int lockReleaseUnlock() {
        while (!lock.compareAndSet(0, 1)) {
            Thread.onSpinWait();
        }
        lock.setRelease(0);
        return 0;
    }

    /** One bindIfUnbound and forRun of a new task, the table otherwise empty. */
    @Benchmark
    public Snapshot bindRunNewTask() {
        Object task = new Object();
        table.bindIfUnbound(task, snapshot);
        return table.forRun(task);
    }

    /** One bindIfUnbound and forRun of a task whose identity hash is installed already. */
    @Benchmark
    public Snapshot bindRunReusedTask() {
        table.bindIfUnbound(reused, snapshot);
        return table.forRun(reused);
    }

    /** A batch bound, then run in the same order (the queued benchmark's shape, one thread). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object batchBindThenRun() {
        Object[] batch = tasks;
        for (int i = 0; i < BATCH; i++) {
            Object task = new Object();
            batch[i] = task;
            table.bindIfUnbound(task, snapshot);
        }
        Object last = null;
        for (int i = 0; i < BATCH; i++) {
            last = table.forRun(batch[i]);
            batch[i] = null;
        }
        return last;
    }

    /** The same batch, only allocating and hashing the tasks: what batchBindThenRun adds to this is the table. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object batchHashOnly() {
        Object[] batch = tasks;
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            Object task = new Object();
            batch[i] = task;
            sum += System.identityHashCode(task);
        }
        for (int i = 0; i < BATCH; i++) {
            sum += System.identityHashCode(batch[i]);
            batch[i] = null;
        }
        return sum;
    }
}
