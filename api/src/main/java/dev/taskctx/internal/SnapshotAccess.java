package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import dev.taskctx.CarriedThreadLocal;

/**
 * The part of a {@link Snapshot} only the propagation core sees: the values of registered
 * thread-locals captured beside its entries. {@code Snapshot} hands its implementation over when it
 * is initialised (the JDK's SharedSecrets pattern), so its public face stays the map. Internal.
 */
public interface SnapshotAccess {

    /** A snapshot with the entries of {@code entries} and {@code values[i]} read from {@code accessors[i]}. */
    Snapshot carrying(Snapshot entries, CarriedThreadLocal<?>[] accessors, Object[] values);

    /** {@code snapshot} without the thread-local values it carries; {@code snapshot} itself when it carries none. */
    Snapshot entries(Snapshot snapshot);

    /** The accessors whose values {@code snapshot} carries, or {@code null}. */
    CarriedThreadLocal<?>[] carriedBy(Snapshot snapshot);

    /** The values {@code snapshot} carries, index for index with {@link #carriedBy}, or {@code null}. */
    Object[] carried(Snapshot snapshot);

    /** Called by {@code Snapshot}'s static initialiser; any later call is ignored. */
    static void provide(SnapshotAccess access) {
        synchronized (SnapshotAccess.class) {
            if (CarriedThreadLocals.snapshots == null) {
                CarriedThreadLocals.snapshots = access;
            }
        }
    }
}
