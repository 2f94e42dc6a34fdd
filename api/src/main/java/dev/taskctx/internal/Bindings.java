package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * Snapshots bound to task objects: in a field of the task where its class carries one (classes the
 * agent gave a field as they loaded, see {@link TaskBindingCarrier}), beside it in a {@link TaskTable}
 * otherwise (lambdas, application classes, classes loaded before the agent). The operations and their
 * meaning are the table's; on a field they are a read and a compare-and-set, so binding and running
 * a task take no lock and allocate nothing, and a binding never outlives its task.
 */
abstract class Bindings {

    /** A binding that stays after a run (a periodic task's); a plain {@code Snapshot} in a field goes at its run. */
    static final class Kept {
        final Snapshot snapshot;

        Kept(Snapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    private final TaskTable table = new TaskTable();
    /** Every binding stays after a run (completions, promises, coroutines): a field holds the snapshot itself. */
    private final boolean allKept;

    private Bindings(boolean allKept) {
        this.allKept = allKept;
    }

    /** Bindings in {@link TaskBindingCarrier}'s field where the task has it. */
    static Bindings ofTasks() {
        return new Bindings(false) {
            @Override
            boolean carries(Object task) {
                return task instanceof TaskBindingCarrier;
            }

            @Override
            Object read(Object task) {
                return ((TaskBindingCarrier) task).taskctx$taskBinding();
            }

            @Override
            boolean compareAndSet(Object task, Object expected, Object update) {
                return ((TaskBindingCarrier) task).taskctx$casTaskBinding(expected, update);
            }
        };
    }

    /** Bindings in {@link CompletionBindingCarrier}'s field where the completion has it; every one stays after a run. */
    static Bindings ofCompletions() {
        return new Bindings(true) {
            @Override
            boolean carries(Object task) {
                return task instanceof CompletionBindingCarrier;
            }

            @Override
            Object read(Object task) {
                return ((CompletionBindingCarrier) task).taskctx$completionBinding();
            }

            @Override
            boolean compareAndSet(Object task, Object expected, Object update) {
                return ((CompletionBindingCarrier) task).taskctx$casCompletionBinding(expected, update);
            }
        };
    }

    /** Bindings in the side table only (keys whose classes never carry a field); every one stays after a run. */
    static Bindings beside() {
        return new Bindings(true) {
            @Override
            boolean carries(Object task) {
                return false;
            }

            @Override
            Object read(Object task) {
                throw new UnsupportedOperationException();
            }

            @Override
            boolean compareAndSet(Object task, Object expected, Object update) {
                throw new UnsupportedOperationException();
            }
        };
    }

    abstract boolean carries(Object task);

    abstract Object read(Object task);

    abstract boolean compareAndSet(Object task, Object expected, Object update);

    /** Binds {@code snapshot} to {@code task}, replacing an earlier binding of the same task. */
    final void put(Object task, Snapshot snapshot, boolean keepAfterRun) {
        if (!carries(task)) {
            table.put(task, snapshot, keepAfterRun);
            return;
        }
        Object update = keepAfterRun && !allKept ? new Kept(snapshot) : snapshot;
        Object current;
        do {
            current = read(task);
        } while (!compareAndSet(task, current, update));
    }

    /**
     * Binds {@code snapshot} to {@code task} unless the task is bound already (a run drops the binding,
     * so a task object queued twice needs a binding per queued run); returns whether it bound.
     */
    final boolean bindIfUnbound(Object task, Snapshot snapshot) {
        return carries(task) ? compareAndSet(task, null, snapshot) : table.bindIfUnbound(task, snapshot);
    }

    /** The snapshot bound to {@code task}, or {@code null}; the binding goes unless it was made to stay. */
    final Snapshot forRun(Object task) {
        if (!carries(task)) {
            return table.forRun(task);
        }
        Object current = read(task);
        while (current instanceof Snapshot && !allKept) {
            if (compareAndSet(task, current, null)) {
                return (Snapshot) current;
            }
            current = read(task);
        }
        return current == null || current instanceof Snapshot ? (Snapshot) current : ((Kept) current).snapshot;
    }

    /** The snapshot bound to {@code task}, or {@code null}; the binding stays. */
    final Snapshot peek(Object task) {
        if (!carries(task)) {
            return table.peek(task);
        }
        Object current = read(task);
        return current instanceof Kept ? ((Kept) current).snapshot : (Snapshot) current;
    }

    /** Drops the binding of {@code task}, if any. */
    final void remove(Object task) {
        if (!carries(task)) {
            table.remove(task);
            return;
        }
        Object current;
        do {
            current = read(task);
        } while (current != null && !compareAndSet(task, current, null));
    }

    /** Number of bindings in the side table (field bindings are not counted); for tests and diagnostics. */
    final int sizeBeside() {
        return table.size();
    }
}
