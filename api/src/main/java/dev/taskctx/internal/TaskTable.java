package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Snapshots of tasks that are handed off without a wrapper, keyed by the task's identity and held
 * weakly by it. JDK classes cannot gain fields under retransformation, and wrapping a task would
 * change what {@code getQueue()}, {@code remove} and {@code beforeExecute} see, so the snapshot
 * travels beside the task instead.
 *
 * <p>One entry is one small object. An entry whose task was collected before it ran is dropped by
 * {@link #expungeForever()}, run by the agent's cleaner thread, so its snapshot does not outlive
 * the task by more than one reference-processing cycle.
 *
 * <p>A stripe is guarded by a spin lock, never by a monitor: its critical sections are a few loads
 * and stores and never block, so the holder always runs to the end. A monitor would let a virtual
 * thread that contends for it unmount (JDK 24+), and a virtual-thread carrier that then waits for the
 * same monitor in a task's begin hook can wait for a successor that needs that very carrier: with
 * every carrier blocked so, no virtual thread runs again.
 */
final class TaskTable {

    private static final int STRIPES = 64;

    private static final class Entry extends WeakReference<Object> {
        final TaskTable table;
        final int hash;
        final Snapshot snapshot;
        final boolean keepAfterRun;
        Entry next;

        Entry(TaskTable table, Object task, int hash, Snapshot snapshot, boolean keepAfterRun, Entry next) {
            super(task, COLLECTED);
            this.table = table;
            this.hash = hash;
            this.snapshot = snapshot;
            this.keepAfterRun = keepAfterRun;
            this.next = next;
        }
    }

    /**
     * A part of the table, and its lock and emptiness in one word: {@link #LOCKED} while a thread holds
     * it, {@link #OCCUPIED} while it holds at least one entry. Entering is one compare-and-set and
     * leaving one release store (no fence): a binding and its run are one atomic operation each.
     */
    private static final class Stripe extends AtomicInteger {
        private static final long serialVersionUID = 1L;

        static final int LOCKED = 1;
        static final int OCCUPIED = 2;

        /** Spins this often before yielding the processor to the holder. */
        private static final int SPINS = 64;

        Entry[] buckets = new Entry[8];
        int size;

        void lock() {
            for (int spins = 0; ; spins++) {
                int state = get();
                if ((state & LOCKED) == 0 && compareAndSet(state, state | LOCKED)) {
                    return;
                }
                if (spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        /** Releases the lock and publishes whether the stripe holds entries. */
        void unlock() {
            lazySet(size == 0 ? 0 : OCCUPIED);
        }

        /**
         * Read without the lock as a fast "nothing here" check; a hand-off's queue orders it: a binding
         * made before the hand-off was published with {@link #OCCUPIED}, which stays while it lasts.
         */
        boolean empty() {
            return (get() & OCCUPIED) == 0;
        }
    }

    private final Stripe[] stripes = new Stripe[STRIPES];
    /**
     * Stripes holding at least one entry; changes only when a stripe becomes empty or stops being so.
     * With none, a look-up returns before computing the task's identity hash, which the JVM would
     * otherwise install in the header of every task handed off with an empty context.
     */
    private final AtomicInteger occupiedStripes = new AtomicInteger();
    /** Entries of every table whose key was collected; one cleaner thread expunges them all. */
    private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

    TaskTable() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
        // Loaded here, not by the first binding inside a stripe's critical section.
        Entry.class.getName();
    }

    private static int hash(Object task) {
        int h = System.identityHashCode(task);
        return h ^ (h >>> 16);
    }

    /** Binds {@code snapshot} to {@code task}, replacing an earlier binding of the same task. */
    void put(Object task, Snapshot snapshot, boolean keepAfterRun) {
        bind(task, snapshot, keepAfterRun, true);
    }

    /**
     * Binds {@code snapshot} to {@code task} unless the task is bound already (to any snapshot: a run
     * drops the binding, so a task object queued twice needs a binding per queued run); returns whether
     * it bound.
     */
    boolean bindIfUnbound(Object task, Snapshot snapshot) {
        return bind(task, snapshot, false, false);
    }

    private boolean bind(Object task, Snapshot snapshot, boolean keepAfterRun, boolean replace) {
        int h = hash(task);
        Stripe stripe = stripes[h & (STRIPES - 1)];
        // Made before the lock: the critical section stays a few loads and stores.
        Entry entry = new Entry(this, task, h, snapshot, keepAfterRun, null);
        stripe.lock();
        try {
            Entry[] buckets = stripe.buckets;
            int index = (h >>> 6) & (buckets.length - 1);
            Entry first = buckets[index];
            Entry prev = null;
            for (Entry e = first; e != null; prev = e, e = e.next) {
                if (e.get() == task) {
                    if (!replace) {
                        return false;
                    }
                    entry.next = e.next;
                    if (prev == null) {
                        buckets[index] = entry;
                    } else {
                        prev.next = entry;
                    }
                    return true;
                }
            }
            entry.next = first;
            buckets[index] = entry;
            if (stripe.size++ == 0) {
                occupiedStripes.incrementAndGet();
            }
            if (stripe.size > buckets.length) {
                resize(stripe);
            }
            return true;
        } finally {
            stripe.unlock();
        }
    }

    /**
     * The snapshot bound to {@code task}, or {@code null}. The binding is dropped unless it was made
     * with {@code keepAfterRun} (periodic tasks run again with the same snapshot).
     */
    Snapshot forRun(Object task) {
        return find(task, true);
    }

    /** The snapshot bound to {@code task}, or {@code null}; the binding stays. */
    Snapshot peek(Object task) {
        return find(task, false);
    }

    /** Drops the binding of {@code task}, if any. */
    void remove(Object task) {
        if (occupiedStripes.get() == 0) {
            return;
        }
        int h = hash(task);
        Stripe stripe = stripes[h & (STRIPES - 1)];
        if (stripe.empty()) {
            return;
        }
        stripe.lock();
        try {
            unlink(stripe, h, task, null);
        } finally {
            stripe.unlock();
        }
    }

    private Snapshot find(Object task, boolean runs) {
        if (occupiedStripes.get() == 0) {
            return null;
        }
        int h = hash(task);
        Stripe stripe = stripes[h & (STRIPES - 1)];
        if (stripe.empty()) {
            return null;
        }
        stripe.lock();
        try {
            Entry[] buckets = stripe.buckets;
            int index = (h >>> 6) & (buckets.length - 1);
            Entry prev = null;
            for (Entry e = buckets[index]; e != null; prev = e, e = e.next) {
                if (e.get() == task) {
                    if (runs && !e.keepAfterRun) {
                        unlinkAfter(stripe, index, prev, e);
                    }
                    return e.snapshot;
                }
            }
            return null;
        } finally {
            stripe.unlock();
        }
    }

    /** Removes the entry for {@code task}, or the entry object {@code stale} when {@code task} is null. */
    private void unlink(Stripe stripe, int h, Object task, Entry stale) {
        Entry[] buckets = stripe.buckets;
        int index = (h >>> 6) & (buckets.length - 1);
        Entry prev = null;
        for (Entry e = buckets[index]; e != null; prev = e, e = e.next) {
            if (e == stale || (task != null && e.get() == task)) {
                unlinkAfter(stripe, index, prev, e);
                return;
            }
        }
    }

    /** Removes {@code e}, which follows {@code prev} (or heads bucket {@code index} when null). */
    private void unlinkAfter(Stripe stripe, int index, Entry prev, Entry e) {
        if (prev == null) {
            stripe.buckets[index] = e.next;
        } else {
            prev.next = e.next;
        }
        // Not cleared: Reference.clear() is a native call on every unbinding, and an unlinked
        // entry is garbage anyway (if the collector still enqueues it, expunging finds nothing).
        if (--stripe.size == 0) {
            occupiedStripes.decrementAndGet();
        }
    }

    private static void resize(Stripe stripe) {
        Entry[] old = stripe.buckets;
        Entry[] grown = new Entry[old.length * 2];
        for (Entry head : old) {
            for (Entry e = head; e != null; ) {
                Entry next = e.next;
                int index = (e.hash >>> 6) & (grown.length - 1);
                e.next = grown[index];
                grown[index] = e;
                e = next;
            }
        }
        stripe.buckets = grown;
    }

    /** Drops entries, of every table, whose key was collected; blocks waiting for them. Run by one daemon thread. */
    static void expungeForever() {
        while (true) {
            try {
                Entry stale = (Entry) COLLECTED.remove();
                Stripe stripe = stale.table.stripes[stale.hash & (STRIPES - 1)];
                stripe.lock();
                try {
                    stale.table.unlink(stripe, stale.hash, null, stale);
                } finally {
                    stripe.unlock();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Number of bindings; for tests and diagnostics. */
    int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            stripe.lock();
            try {
                size += stripe.size;
            } finally {
                stripe.unlock();
            }
        }
        return size;
    }
}
