package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.util.concurrent.Callable;

/** A {@code Callable} bound to a snapshot; the counterpart of {@link SnapshotRunnable}. Internal. */
public final class SnapshotCallable<V> implements Callable<V> {

    private final Snapshot snapshot;
    private final Callable<V> task;

    public SnapshotCallable(Snapshot snapshot, Callable<V> task) {
        this.snapshot = snapshot;
        this.task = task;
    }

    @Override
    public V call() throws Exception {
        return Propagation.callTask(snapshot, task);
    }

    @Override
    public String toString() {
        return task.toString();
    }
}
