package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.CarriedThreadLocal;
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
 *
 * <p>A {@link ScopedAccessor} (Micrometer's accessors, through {@link MicrometerBridge}) is not put back by
 * writing its previous value again: its install returns a scope that {@code install} keeps in the snapshot
 * it returns, where the matching {@code restore} finds it.
 */
final class CarriedThreadLocals {

    private static final CarriedThreadLocal<?>[] NONE = {};

    /** Set by {@code Snapshot}'s static initialiser, which runs before any snapshot reaches this class. */
    static SnapshotAccess snapshots;

    /** Copy-on-write, so that a hand-off reads the registry once and never locks. */
    private static volatile CarriedThreadLocal<?>[] registered = NONE;

    private static final Set<Object> REPORTED = Collections.newSetFromMap(new IdentityHashMap<>());

    private CarriedThreadLocals() {
    }

    static CarriedThreadLocal<?>[] registered() {
        return registered;
    }

    static synchronized void register(CarriedThreadLocal<?> accessor) {
        CarriedThreadLocal<?>[] current = registered;
        for (CarriedThreadLocal<?> known : current) {
            if (known == accessor) {
                return;
            }
        }
        CarriedThreadLocal<?>[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = accessor;
        registered = grown;
    }

    static synchronized void unregister(CarriedThreadLocal<?> accessor) {
        CarriedThreadLocal<?>[] current = registered;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == accessor) {
                CarriedThreadLocal<?>[] shrunk = Arrays.copyOf(current, current.length - 1);
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
    static Snapshot capture(ThreadState state, Snapshot context, CarriedThreadLocal<?>[] accessors) {
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

    /**
     * Gives every registered accessor the value {@code snapshot} carries for it, or clears it, and returns
     * what {@link #restore} takes to undo this: {@code previous}, or, where a {@link ScopedAccessor} changed
     * something, a copy of it that holds that accessor's scope in place of its value.
     *
     * @param previous what the thread had, as captured just before; {@code null} for a thread's first
     *                 install, which nothing restores
     */
    static Snapshot install(ThreadState state, Snapshot snapshot, Snapshot previous,
                            CarriedThreadLocal<?>[] accessors) {
        if (state.inAccessor) {
            return previous;
        }
        CarriedThreadLocal<?>[] carriedBy = snapshots.carriedBy(snapshot);
        Object[] carried = snapshots.carried(snapshot);
        Object[] scopes = null;
        state.inAccessor = true;
        try {
            for (int i = 0; i < accessors.length; i++) {
                Object value = carriedBy == null ? null : valueFor(accessors, i, carriedBy, carried);
                if (accessors[i] instanceof ScopedAccessor) {
                    Object scope = install((ScopedAccessor) accessors[i], value, previous, accessors, i);
                    if (scope != null) {
                        if (scopes == null) {
                            scopes = previousValues(previous, accessors);
                        }
                        scopes[i] = scope;
                    }
                } else {
                    write(accessors[i], value);
                }
            }
        } finally {
            state.inAccessor = false;
        }
        return scopes == null ? previous : snapshots.carrying(snapshots.entries(previous), accessors, scopes);
    }

    /**
     * Puts back what {@link #install} replaced: plain accessors get the value {@code previous} carries, or are
     * cleared; a {@link ScopedAccessor} undoes its own install, and does nothing for a snapshot no install
     * returned (a rejection handler's submitter gets its context back, but nothing was installed over it).
     */
    static void restore(ThreadState state, Snapshot previous, CarriedThreadLocal<?>[] accessors) {
        if (state.inAccessor) {
            return;
        }
        CarriedThreadLocal<?>[] carriedBy = snapshots.carriedBy(previous);
        Object[] carried = snapshots.carried(previous);
        state.inAccessor = true;
        try {
            // Backwards, as scopes close in the reverse order of their opening.
            for (int i = accessors.length - 1; i >= 0; i--) {
                Object value = carriedBy == null ? null : valueFor(accessors, i, carriedBy, carried);
                if (accessors[i] instanceof ScopedAccessor) {
                    if (value != null) {
                        restore((ScopedAccessor) accessors[i], value);
                    }
                } else {
                    write(accessors[i], value);
                }
            }
        } finally {
            state.inAccessor = false;
        }
    }

    /** {@code previous}'s carried values in {@code accessors}' order, in a new array. */
    private static Object[] previousValues(Snapshot previous, CarriedThreadLocal<?>[] accessors) {
        Object[] values = new Object[accessors.length];
        CarriedThreadLocal<?>[] carriedBy = previous == null ? null : snapshots.carriedBy(previous);
        if (carriedBy != null) {
            Object[] carried = snapshots.carried(previous);
            for (int i = 0; i < accessors.length; i++) {
                values[i] = valueFor(accessors, i, carriedBy, carried);
            }
        }
        return values;
    }

    /** Whether {@code snapshot} carries thread-local values. */
    static boolean carriesValues(Snapshot snapshot) {
        return snapshots.carriedBy(snapshot) != null;
    }

    /** {@code snapshot} without its thread-local values. */
    static Snapshot entries(Snapshot snapshot) {
        return snapshots.entries(snapshot);
    }

    private static Object valueFor(CarriedThreadLocal<?>[] accessors, int index,
                                   CarriedThreadLocal<?>[] carriedBy, Object[] carried) {
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

    private static Object install(ScopedAccessor accessor, Object value, Snapshot previous,
                                  CarriedThreadLocal<?>[] accessors, int index) {
        Object previousValue = null;
        CarriedThreadLocal<?>[] carriedBy = previous == null ? null : snapshots.carriedBy(previous);
        if (carriedBy != null) {
            previousValue = valueFor(accessors, index, carriedBy, snapshots.carried(previous));
        }
        try {
            return accessor.install(value, previous != null, previousValue);
        } catch (Throwable t) {
            report(accessor, "install", t);
            return null;
        }
    }

    private static void restore(ScopedAccessor accessor, Object scope) {
        try {
            accessor.restore(scope);
        } catch (Throwable t) {
            report(accessor, "restore", t);
        }
    }

    private static Object read(CarriedThreadLocal<?> accessor) {
        try {
            return accessor.read();
        } catch (Throwable t) {
            report(accessor, "read", t);
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static void write(CarriedThreadLocal<?> accessor, Object value) {
        try {
            if (value == null) {
                accessor.clear();
            } else {
                ((CarriedThreadLocal<Object>) accessor).write(value);
            }
        } catch (Throwable t) {
            report(accessor, value == null ? "clear" : "write", t);
        }
    }

    private static void report(Object accessor, String call, Throwable failure) {
        synchronized (REPORTED) {
            if (!REPORTED.add(accessor)) {
                return;
            }
        }
        System.err.println("taskctx: thread-local accessor " + accessor.getClass().getName() + " failed in " + call
                + "() (" + failure + "); its value is not carried where it fails");
    }
}
