package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * A {@code Runnable} bound to the snapshot captured when it was handed off. Internal: created by
 * {@link Snapshot#wrap(Runnable)} and by the agent for executors whose tasks cannot be tracked by
 * identity; the agent never wraps one twice.
 */
public final class SnapshotRunnable implements Runnable {

    private final Snapshot snapshot;
    private final Runnable task;

    public SnapshotRunnable(Snapshot snapshot, Runnable task) {
        this.snapshot = snapshot;
        this.task = task;
    }

    @Override
    public void run() {
        Propagation.runTask(snapshot, task);
    }

    @Override
    public String toString() {
        return task.toString();
    }
}
