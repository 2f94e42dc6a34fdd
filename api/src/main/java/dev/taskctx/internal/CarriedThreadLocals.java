package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.ThreadLocalAccessor;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The thread-locals registered with {@code TaskContext.register} and the one place their values are
 * read at capture and written at install. None of it runs while nothing is registered.
 *
 * <p>An accessor that throws is reported once and its value is treated as absent: a hand-off, a
 * thread constructor or a worker loop never fails because of it. While an accessor runs, hand-offs it
 * makes itself carry no thread-local values, so an accessor that logs or submits work cannot recurse.
 */
final class CarriedThreadLocals {

    private static final ThreadLocalAccessor<?>[] NONE = {};

    /** Set by {@code Snapshot}'s static initialiser, which runs before any snapshot reaches this class. */
    static SnapshotAccess snapshots;

    /** Copy-on-write, so that a hand-off reads the registry once and never locks. */
    private static volatile ThreadLocalAccessor<?>[] registered = NONE;

    private static final Set<ThreadLocalAccessor<?>> REPORTED = Collections.newSetFromMap(new IdentityHashMap<>());

    private CarriedThreadLocals() {
    }

    static ThreadLocalAccessor<?>[] registered() {
        return registered;
    }

    static synchronized void register(ThreadLocalAccessor<?> accessor) {
        ThreadLocalAccessor<?>[] current = registered;
        for (ThreadLocalAccessor<?> known : current) {
            if (known == accessor) {
                return;
            }
        }
        ThreadLocalAccessor<?>[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = accessor;
        registered = grown;
    }

    static synchronized void unregister(ThreadLocalAccessor<?> accessor) {
        ThreadLocalAccessor<?>[] current = registered;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == accessor) {
                ThreadLocalAccessor<?>[] shrunk = Arrays.copyOf(current, current.length - 1);
                System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                registered = shrunk.length == 0 ? NONE : shrunk;
                return;
            }
        }
    }

    /**
     * {@code context}'s entries with the values {@code accessors} read on this thread beside them: one
     * snapshot and one array, or no allocation at all when every value is absent.
     */
    static Snapshot capture(ThreadState state, Snapshot context, ThreadLocalAccessor<?>[] accessors) {
        Snapshot entries = snapshots.entries(context);
        if (state.inAccessor) {
            return entries;
        }
        Object[] values = null;
        state.inAccessor = true;
        try {
            for (int i = 0; i < accessors.length; i++) {
                Object value = read(accessors[i]);
                if (value != null) {
                    if (values == null) {
                        values = new Object[accessors.length];
                    }
                    values[i] = value;
                }
            }
        } finally {
            state.inAccessor = false;
        }
        return values == null ? entries : snapshots.carrying(entries, accessors, values);
    }

    /** Gives every registered accessor the value {@code snapshot} carries for it, or clears it. */
    static void write(ThreadState state, Snapshot snapshot, ThreadLocalAccessor<?>[] accessors) {
        if (state.inAccessor) {
            return;
        }
        ThreadLocalAccessor<?>[] carriedBy = snapshots.carriedBy(snapshot);
        Object[] carried = snapshots.carried(snapshot);
        state.inAccessor = true;
        try {
            for (int i = 0; i < accessors.length; i++) {
                Object value = carriedBy == null ? null : valueFor(accessors, i, carriedBy, carried);
                write(accessors[i], value);
            }
        } finally {
            state.inAccessor = false;
        }
    }

    /** Whether {@code snapshot} carries thread-local values. */
    static boolean carriesValues(Snapshot snapshot) {
        return snapshots.carriedBy(snapshot) != null;
    }

    /** {@code snapshot} without its thread-local values. */
    static Snapshot entries(Snapshot snapshot) {
        return snapshots.entries(snapshot);
    }

    private static Object valueFor(ThreadLocalAccessor<?>[] accessors, int index,
                                   ThreadLocalAccessor<?>[] carriedBy, Object[] carried) {
        if (carriedBy == accessors) {
            return carried[index];
        }
        // Registered or unregistered since the capture: match by identity.
        for (int i = 0; i < carriedBy.length; i++) {
            if (carriedBy[i] == accessors[index]) {
                return carried[i];
            }
        }
        return null;
    }

    private static Object read(ThreadLocalAccessor<?> accessor) {
        try {
            return accessor.read();
        } catch (Throwable t) {
            report(accessor, "read", t);
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static void write(ThreadLocalAccessor<?> accessor, Object value) {
        try {
            if (value == null) {
                accessor.clear();
            } else {
                ((ThreadLocalAccessor<Object>) accessor).write(value);
            }
        } catch (Throwable t) {
            report(accessor, value == null ? "clear" : "write", t);
        }
    }

    private static void report(ThreadLocalAccessor<?> accessor, String call, Throwable failure) {
        synchronized (REPORTED) {
            if (!REPORTED.add(accessor)) {
                return;
            }
        }
        System.err.println("taskctx: thread-local accessor " + accessor.getClass().getName() + " failed in " + call
                + "() (" + failure + "); its value is not carried where it fails");
    }
}
