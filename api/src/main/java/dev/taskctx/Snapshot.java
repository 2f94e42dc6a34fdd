package dev.taskctx;

import dev.taskctx.internal.Propagation;
import dev.taskctx.internal.SnapshotAccess;
import dev.taskctx.internal.SnapshotCallable;
import dev.taskctx.internal.SnapshotRunnable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An immutable copy of a task context: a map from {@code String} keys to non-null values.
 *
 * <p>A snapshot never changes after it is created, so it may be shared freely between threads.
 * {@link #run}, {@link #call} and the {@code wrap} methods make it the current context of the
 * calling thread for the duration of a piece of work and put the thread's previous context back
 * afterwards, also when the work throws. A snapshot taken while thread-locals are registered
 * ({@link TaskContext#register}) also holds their values, and installing it installs them too.
 *
 * <p>The one exception is a snapshot captured inside {@link TaskContext#runShared}: it is the handle
 * of that scope's shared context ({@link #isShared()}). The handle itself never changes and is
 * passed on like any snapshot, but {@link #get} reads the shared context's current values, which
 * every task holding the handle may change with {@link TaskContext#set}.
 */
public final class Snapshot {

    private static final Snapshot EMPTY = new Snapshot(Collections.emptyMap(), false);

    static {
        SnapshotAccess.provide(new Access());
    }

    /** Unmodifiable, or a {@code ConcurrentHashMap} when {@link #shared}. */
    private final Map<String, Object> values;
    private final boolean shared;
    /** This snapshot without carried thread-local values: itself, unless it carries some. */
    private final Snapshot entries;
    /** The accessors whose values were captured beside the entries, and those values; null when none. */
    private final CarriedThreadLocal<?>[] carriedBy;
    private final Object[] carried;

    private Snapshot(Map<String, Object> values, boolean shared) {
        this.values = values;
        this.shared = shared;
        this.entries = this;
        this.carriedBy = null;
        this.carried = null;
    }

    private Snapshot(Snapshot entries, CarriedThreadLocal<?>[] carriedBy, Object[] carried) {
        this.values = entries.values;
        this.shared = entries.shared;
        this.entries = entries;
        this.carriedBy = carriedBy;
        this.carried = carried;
    }

    /** The snapshot with no entries; the context of every thread that never set a value. */
    public static Snapshot empty() {
        return EMPTY;
    }

    /** The value stored under {@code key}, or {@code null} if there is none. */
    public Object get(String key) {
        return values.get(Objects.requireNonNull(key, "key must not be null"));
    }

    /**
     * Whether this snapshot has no entries and never will: a shared context is never empty in this
     * sense, since a task may add entries to it at any time, so it is always passed on at hand-offs.
     */
    public boolean isEmpty() {
        return !shared && values.isEmpty();
    }

    /** Whether this snapshot is the handle of a shared context opened by {@link TaskContext#runShared}. */
    public boolean isShared() {
        return shared;
    }

    /**
     * An unmodifiable view of the entries; it never changes. For a shared context it is a copy of
     * the entries at the time of the call.
     */
    public Map<String, Object> asMap() {
        return shared ? Collections.unmodifiableMap(new HashMap<>(values)) : values;
    }

    /**
     * Runs {@code task} with this snapshot as the current context, then restores the caller's
     * previous context, also when {@code task} throws.
     *
     * @throws NullPointerException if {@code task} is null
     */
    public void run(Runnable task) {
        Objects.requireNonNull(task, "task must not be null");
        Snapshot previous = Propagation.install(this);
        try {
            task.run();
        } finally {
            Propagation.restore(previous);
        }
    }

    /**
     * Calls {@code task} with this snapshot as the current context, then restores the caller's
     * previous context, also when {@code task} throws. Exceptions reach the caller unchanged.
     *
     * @throws NullPointerException if {@code task} is null
     */
    public <V> V call(Callable<V> task) throws Exception {
        Objects.requireNonNull(task, "task must not be null");
        Snapshot previous = Propagation.install(this);
        try {
            return task.call();
        } finally {
            Propagation.restore(previous);
        }
    }

    /**
     * Makes this snapshot's entries the calling thread's context and returns the entries it replaced,
     * which {@code install()} puts back. For frameworks that switch contexts in two separate calls rather
     * than around a block, such as a Micrometer {@code CarriedThreadLocal}'s {@code setValue} and
     * {@code restore}; elsewhere prefer {@link #run}, {@link #call} and {@code wrap}, which cannot forget
     * to put the previous context back. One reference swap: values of registered thread-locals
     * ({@link TaskContext#register}) that this snapshot carries are not written, and the thread's own
     * are left as they are. Acts on the calling thread only.
     *
     * @return the calling thread's previous context; never {@code null}
     */
    public Snapshot install() {
        Snapshot previous = Propagation.current();
        Propagation.replace(this);
        return previous;
    }

    /**
     * A {@code Runnable} that runs {@code task} inside this snapshot wherever and whenever it is run.
     *
     * @throws NullPointerException if {@code task} is null
     */
    public Runnable wrap(Runnable task) {
        return new SnapshotRunnable(this, Objects.requireNonNull(task, "task must not be null"));
    }

    /**
     * A {@code Callable} that calls {@code task} inside this snapshot wherever and whenever it is called.
     *
     * @throws NullPointerException if {@code task} is null
     */
    public <V> Callable<V> wrap(Callable<V> task) {
        return new SnapshotCallable<>(this, Objects.requireNonNull(task, "task must not be null"));
    }

    /** What the propagation core reads and builds; see {@link SnapshotAccess}. */
    private static final class Access implements SnapshotAccess {
        @Override
        public Snapshot carrying(Snapshot entries, CarriedThreadLocal<?>[] accessors, Object[] values) {
            return new Snapshot(entries.entries, accessors, values);
        }

        @Override
        public Snapshot entries(Snapshot snapshot) {
            return snapshot.entries;
        }

        @Override
        public CarriedThreadLocal<?>[] carriedBy(Snapshot snapshot) {
            return snapshot.carriedBy;
        }

        @Override
        public Object[] carried(Snapshot snapshot) {
            return snapshot.carried;
        }
    }

    /** A new shared context whose initial entries are this snapshot's current ones. */
    Snapshot sharedCopy() {
        Snapshot shared = new Snapshot(new ConcurrentHashMap<>(values), true);
        // Thread-local values captured with this snapshot stay with the scope's handle.
        return carriedBy == null ? shared : new Snapshot(shared, carriedBy, carried);
    }

    /** This snapshot with {@code key} set to {@code value}; a shared context is changed in place and returned. */
    Snapshot with(String key, Object value) {
        if (value == null) {
            return without(key);
        }
        if (shared) {
            values.put(key, value);
            return this;
        }
        if (value == values.get(key)) {
            return this;
        }
        HashMap<String, Object> copy = new HashMap<>(values);
        copy.put(key, value);
        return new Snapshot(Collections.unmodifiableMap(copy), false);
    }

    Snapshot without(String key) {
        if (shared) {
            values.remove(key);
            return this;
        }
        if (!values.containsKey(key)) {
            return this;
        }
        if (values.size() == 1) {
            return EMPTY;
        }
        HashMap<String, Object> copy = new HashMap<>(values);
        copy.remove(key);
        return new Snapshot(Collections.unmodifiableMap(copy), false);
    }

    /** The empty snapshot; a shared context is emptied in place and returned. */
    Snapshot cleared() {
        if (shared) {
            values.clear();
            return this;
        }
        return EMPTY;
    }

    @Override
    public String toString() {
        return (shared ? "Snapshot(shared)" : "Snapshot") + values;
    }
}
