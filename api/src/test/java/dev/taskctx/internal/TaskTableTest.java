package dev.taskctx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The side table on its own: its semantics, and that under concurrency a binding is never lost, never
 * given to another task's run, and never made twice for one task object; a task collected unrun
 * leaves nothing behind.
 */
class TaskTableTest {

    private static final Object END = new Object();

    @AfterEach
    void clean() {
        TaskContext.clear();
    }

    /** A snapshot holding {@code value}, taken on this thread, whose context is left empty. */
    static Snapshot snapshot(Object value) {
        TaskContext.set("v", value);
        Snapshot snapshot = TaskContext.capture();
        TaskContext.clear();
        return snapshot;
    }

    @Test
    void bindsRunsPeeksAndRemoves() {
        TaskTable table = new TaskTable();
        Object task = new Object();
        Snapshot first = snapshot("first");
        Snapshot second = snapshot("second");

        assertThat(table.forRun(task)).isNull();
        assertThat(table.bindIfUnbound(task, first)).isTrue();
        assertThat(table.bindIfUnbound(task, second)).isFalse();
        assertThat(table.peek(task)).isSameAs(first);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.forRun(task)).isSameAs(first);
        assertThat(table.forRun(task)).isNull();
        assertThat(table.size()).isZero();

        table.put(task, first, true);
        table.put(task, second, true);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.forRun(task)).isSameAs(second);
        assertThat(table.forRun(task)).isSameAs(second);
        table.remove(task);
        assertThat(table.peek(task)).isNull();
        assertThat(table.size()).isZero();
    }

    @Test
    void manyTasksGrowAndEmptyTheTable() {
        TaskTable table = new TaskTable();
        List<Object> tasks = new ArrayList<>();
        List<Snapshot> snapshots = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Object task = new Object();
            Snapshot snapshot = snapshot(i);
            tasks.add(task);
            snapshots.add(snapshot);
            assertThat(table.bindIfUnbound(task, snapshot)).isTrue();
        }
        assertThat(table.size()).isEqualTo(10_000);
        for (int i = tasks.size() - 1; i >= 0; i -= 2) {
            table.remove(tasks.get(i));
        }
        for (int i = 0; i < tasks.size(); i += 2) {
            assertThat(table.forRun(tasks.get(i))).isSameAs(snapshots.get(i));
        }
        assertThat(table.size()).isZero();
        assertThat(table.forRun(tasks.get(0))).isNull();
    }

    /** A task handed from binding threads to running threads, carrying the snapshot its run must see. */
    private static final class Task {
        final Snapshot expected;

        Task(Snapshot expected) {
            this.expected = expected;
        }
    }

    @Test
    void concurrentHandOffsThroughAQueueGetTheirOwnBinding() throws Exception {
        handOffs(new ArrayBlockingQueue<>(4096), 100_000);
    }

    /** One task in flight at a time: stripes go from empty to occupied and back on every hand-off. */
    @Test
    void concurrentHandOffsOneAtATimeGetTheirOwnBinding() throws Exception {
        handOffs(new SynchronousQueue<>(), 50_000);
    }

    /**
     * Two binding threads hand tasks to two running threads, every third task unbound and every
     * seventh removed after it is queued (its run then gets nothing), while a fifth thread peeks.
     */
    private static void handOffs(BlockingQueue<Object> queue, int perProducer) throws Exception {
        TaskTable table = new TaskTable();
        Snapshot[] snapshots = new Snapshot[64];
        for (int i = 0; i < snapshots.length; i++) {
            snapshots[i] = snapshot(i);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger run = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        int producers = 2;
        int consumers = 2;
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        Snapshot snapshot = snapshots[(id * 31 + i) & 63];
                        boolean bound = i % 3 != 0;
                        boolean removed = bound && i % 7 == 0;
                        Task task = new Task(bound && !removed ? snapshot : null);
                        if (bound) {
                            if (!table.bindIfUnbound(task, snapshot)) {
                                throw new AssertionError("a new task was bound already");
                            }
                        }
                        if (removed) {
                            table.remove(task);
                        }
                        while (!queue.offer(task, 10, TimeUnit.MILLISECONDS)) {
                            if (failure.get() != null) {
                                return;
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (int c = 0; c < consumers; c++) {
            threads.add(new Thread(() -> {
                try {
                    while (failure.get() == null) {
                        Object taken = queue.poll(10, TimeUnit.MILLISECONDS);
                        if (taken == END) {
                            return;
                        }
                        if (taken == null) {
                            continue;
                        }
                        Task task = (Task) taken;
                        Snapshot bound = table.forRun(task);
                        if (bound != task.expected) {
                            throw new AssertionError("run got " + bound + " instead of " + task.expected);
                        }
                        if (table.forRun(task) != null) {
                            throw new AssertionError("a binding outlived its run");
                        }
                        run.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        Thread peeker = new Thread(() -> {
            Object probe = new Object();
            while (!Thread.currentThread().isInterrupted()) {
                if (table.peek(probe) != null) {
                    failure.compareAndSet(null, new AssertionError("an unbound object has a binding"));
                }
                table.size();
            }
        });
        peeker.setDaemon(true);
        for (Thread thread : threads) {
            thread.start();
        }
        peeker.start();
        for (int p = 0; p < producers; p++) {
            threads.get(p).join();
        }
        for (int c = 0; c < consumers && failure.get() == null; c++) {
            if (!queue.offer(END, 60, TimeUnit.SECONDS)) {
                throw new AssertionError("runners stopped taking");
            }
        }
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        peeker.interrupt();
        peeker.join(60_000);
        assertThat(failure.get()).isNull();
        assertThat(run.get()).isEqualTo(producers * perProducer);
        assertThat(table.size()).isZero();
    }

    /** Two threads bind one task object at the same moment: exactly one binding is made, and it runs once. */
    @Test
    void racingBindingsOfOneTaskMakeOne() throws Exception {
        TaskTable table = new TaskTable();
        Snapshot a = snapshot("a");
        Snapshot b = snapshot("b");
        int rounds = 20_000;
        Object[] tasks = new Object[rounds];
        boolean[][] won = new boolean[2][rounds];
        for (int i = 0; i < rounds; i++) {
            tasks[i] = new Object();
        }
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] binders = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int id = t;
            binders[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        won[id][i] = table.bindIfUnbound(tasks[i], id == 0 ? a : b);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            binders[t].start();
        }
        for (Thread binder : binders) {
            binder.join(60_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(table.size()).isEqualTo(rounds);
        for (int i = 0; i < rounds; i++) {
            assertThat(won[0][i]).isNotEqualTo(won[1][i]);
            assertThat(table.forRun(tasks[i])).isSameAs(won[0][i] ? a : b);
        }
        assertThat(table.size()).isZero();
    }

    /** A bound task that is collected before it runs: the cleaner drops its entry, and the snapshot goes. */
    @Test
    void collectedTaskLeavesNothingBehind() throws Exception {
        Thread cleaner = new Thread(TaskTable::expungeForever, "test-cleaner");
        cleaner.setDaemon(true);
        cleaner.start();
        try {
            TaskTable table = new TaskTable();
            Object kept = new Object();
            Snapshot keptSnapshot = snapshot("kept");
            table.bindIfUnbound(kept, keptSnapshot);
            WeakReference<Snapshot> dropped = bindGarbage(table);
            for (int i = 0; i < 200 && (table.size() > 1 || dropped.get() != null); i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertThat(table.size()).isEqualTo(1);
            assertThat(dropped.get()).isNull();
            assertThat(table.forRun(kept)).isSameAs(keptSnapshot);
        } finally {
            cleaner.interrupt();
        }
    }

    private static WeakReference<Snapshot> bindGarbage(TaskTable table) {
        Snapshot snapshot = snapshot(new byte[1 << 20]);
        for (int i = 0; i < 100; i++) {
            table.bindIfUnbound(new Object(), snapshot);
        }
        return new WeakReference<>(snapshot);
    }
}
