package dev.taskctx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Bindings} on objects whose class carries the field (as the agent makes {@code FutureTask}
 * and {@code ForkJoinTask} do) has the side table's meaning: one binding per queued run, taken once,
 * kept for periodic tasks, dropped on removal; and a binding is never given to two runs.
 */
class BindingsTest {

    /** Implements the carrier interface as the woven JDK classes do, with an atomic reference for the field. */
    static final class Carrier implements TaskBindingCarrier {
        final AtomicReference<Object> field = new AtomicReference<>();

        @Override
        public Object taskctx$taskBinding() {
            return field.get();
        }

        @Override
        public boolean taskctx$casTaskBinding(Object expected, Object update) {
            return field.compareAndSet(expected, update);
        }
    }

    private final Bindings tasks = Bindings.ofTasks();

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    private static Snapshot snapshotWith(String value) {
        return TaskTableTest.snapshot(value);
    }

    @Test
    void aBindingInTheFieldIsTakenByOneRunAndLeavesTheSideTableAlone() {
        Carrier task = new Carrier();
        Snapshot first = snapshotWith("a");
        assertThat(tasks.bindIfUnbound(task, first)).isTrue();
        assertThat(tasks.bindIfUnbound(task, snapshotWith("b"))).as("still waiting from the first hand-off").isFalse();
        assertThat(tasks.sizeBeside()).isZero();
        assertThat(tasks.forRun(task)).isSameAs(first);
        assertThat(tasks.forRun(task)).isNull();
        assertThat(task.field.get()).isNull();
    }

    @Test
    void aPeriodicBindingStaysForEveryRunUntilRemoved() {
        Carrier task = new Carrier();
        Snapshot periodic = snapshotWith("p");
        tasks.put(task, periodic, true);
        assertThat(tasks.forRun(task)).isSameAs(periodic);
        assertThat(tasks.forRun(task)).isSameAs(periodic);
        assertThat(tasks.peek(task)).isSameAs(periodic);
        tasks.remove(task);
        assertThat(tasks.forRun(task)).isNull();
    }

    @Test
    void putReplacesAndRemoveDrops() {
        Carrier task = new Carrier();
        tasks.put(task, snapshotWith("old"), false);
        Snapshot replacement = snapshotWith("new");
        tasks.put(task, replacement, false);
        assertThat(tasks.peek(task)).isSameAs(replacement);
        tasks.remove(task);
        assertThat(tasks.peek(task)).isNull();
    }

    @Test
    void aCompletionBindingStaysAfterARunAndHoldsTheSnapshotItself() {
        Bindings completions = Bindings.ofCompletions();
        CompletionCarrier completion = new CompletionCarrier();
        Snapshot registered = snapshotWith("r");
        completions.put(completion, registered, true);
        assertThat(completion.field.get()).as("no holder object per completion").isSameAs(registered);
        assertThat(completions.forRun(completion)).isSameAs(registered);
        assertThat(completions.peek(completion)).isSameAs(registered);
    }

    static final class CompletionCarrier implements CompletionBindingCarrier {
        final AtomicReference<Object> field = new AtomicReference<>();

        @Override
        public Object taskctx$completionBinding() {
            return field.get();
        }

        @Override
        public boolean taskctx$casCompletionBinding(Object expected, Object update) {
            return field.compareAndSet(expected, update);
        }
    }

    @Test
    void concurrentHandOffsAndRunsGiveEveryBindingToExactlyOneRun() throws Exception {
        Carrier task = new Carrier();
        int perThread = 20_000;
        List<Snapshot> snapshots = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            snapshots.add(snapshotWith("s" + i));
        }
        AtomicInteger bound = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        ConcurrentHashMap<Snapshot, AtomicInteger> takenPerSnapshot = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Snapshot mine = snapshots.get(t);
            threads.add(new Thread(() -> {
                await(start);
                for (int i = 0; i < perThread; i++) {
                    if (tasks.bindIfUnbound(task, mine)) {
                        bound.incrementAndGet();
                    }
                    Snapshot run = tasks.forRun(task);
                    if (run != null) {
                        taken.incrementAndGet();
                        takenPerSnapshot.computeIfAbsent(run, s -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (tasks.forRun(task) != null) {
            taken.incrementAndGet();
        }
        assertThat(taken.get()).as("every binding made is taken once").isEqualTo(bound.get());
        assertThat(bound.get()).isPositive();
        assertThat(takenPerSnapshot.keySet()).isSubsetOf(snapshots);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
