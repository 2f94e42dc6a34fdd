package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * Snapshots bound to task objects: in a field of the task where its class carries one (classes the
 * agent gave a field as they loaded, and {@code Runnable} lambdas' classes as the JDK made them, see
 * {@link TaskBindingCarrier} and {@link LambdaClasses}), beside it in a {@link TaskTable} otherwise
 * (application classes, classes loaded before the agent, lambdas a loader could not give the field). The operations and their
 * meaning are the table's; on a field they are a read and a compare-and-set, so binding and running
 * a task take no lock and allocate nothing, and a binding never outlives its task.
 */
final class Bindings {

    /** A binding that stays after a run (a periodic task's); a plain {@code Snapshot} in a field goes at its run. */
    static final class Kept {
        final Snapshot snapshot;

        Kept(Snapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    private static final int TASK_FIELD = 0;
    private static final int COMPLETION_FIELD = 1;
    private static final int NO_FIELD = 2;

    private final TaskTable table = new TaskTable();
    /** Which carrier interface's field holds the binding: one class, no virtual call on the hand-off path. */
    private final int field;
    /** Every binding stays after a run (completions, promises, coroutines): a field holds the snapshot itself. */
    private final boolean allKept;

    private Bindings(int field, boolean allKept) {
        this.field = field;
        this.allKept = allKept;
        this.carriers = field == TASK_FIELD ? implementing(TaskBindingCarrier.class)
                : field == COMPLETION_FIELD ? implementing(CompletionBindingCarrier.class) : null;
    }

    /** Bindings in {@link TaskBindingCarrier}'s field where the task has it. */
    static Bindings ofTasks() {
        return new Bindings(TASK_FIELD, false);
    }

    /** Bindings in {@link CompletionBindingCarrier}'s field where the completion has it; every one stays after a run. */
    static Bindings ofCompletions() {
        return new Bindings(COMPLETION_FIELD, true);
    }

    /** Bindings in the side table only (keys whose classes never carry a field); every one stays after a run. */
    static Bindings beside() {
        return new Bindings(NO_FIELD, true);
    }

    /**
     * The class of the last task found to carry no field: a class compare in front of the class-value
     * look-up below, kept from when the look-up was an {@code instanceof} (a failing one cost about
     * 25 ns per hand-off on JDK 17). A stale value is only a missed shortcut.
     */
    private Class<?> lastWithoutField;

    /**
     * Whether a class carries this kind's field ({@code null}: no class does), asked once per class: an {@code instanceof} of the
     * carrier interface on every hand-off would write the class's one-entry secondary-supers cache
     * whenever other code last checked the class against another interface (a lambda's class against
     * its functional interface), and on JDK 17 to 22 both cores of a hand-off then write the same cache
     * line (JDK-8180450). A look-up here only reads.
     */
    private final ClassValue<Boolean> carriers;

    private boolean carries(Object task) {
        if (carriers == null) {
            return false;
        }
        Class<?> type = task.getClass();
        if (type == lastWithoutField) {
            return false;
        }
        if (carriers.get(type)) {
            return true;
        }
        lastWithoutField = type;
        return false;
    }

    /** The class-value of {@code carrier}: whether a class implements it. */
    private static ClassValue<Boolean> implementing(Class<?> carrier) {
        return new ClassValue<>() {
            @Override
            protected Boolean computeValue(Class<?> type) {
                return carrier.isAssignableFrom(type);
            }
        };
    }

    private Object read(Object task) {
        return field == TASK_FIELD ? CarrierCalls.taskBinding(task) : CarrierCalls.completionBinding(task);
    }

    private boolean compareAndSet(Object task, Object expected, Object update) {
        return field == TASK_FIELD ? CarrierCalls.casTaskBinding(task, expected, update)
                : CarrierCalls.casCompletionBinding(task, expected, update);
    }

    /** Binds {@code snapshot} to {@code task}, replacing an earlier binding of the same task. */
    void put(Object task, Snapshot snapshot, boolean keepAfterRun) {
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
    boolean bindIfUnbound(Object task, Snapshot snapshot) {
        return carries(task) ? compareAndSet(task, null, snapshot) : table.bindIfUnbound(task, snapshot);
    }

    /** The snapshot bound to {@code task}, or {@code null}; the binding goes unless it was made to stay. */
    Snapshot forRun(Object task) {
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
        return snapshotOf(current);
    }

    /** The snapshot bound to {@code task}, or {@code null}; the binding stays. */
    Snapshot peek(Object task) {
        if (!carries(task)) {
            return table.peek(task);
        }
        return snapshotOf(read(task));
    }

    /** The snapshot a field's value holds: null, a {@code Snapshot}, or a {@link Kept} one. */
    private static Snapshot snapshotOf(Object value) {
        return value instanceof Kept ? ((Kept) value).snapshot : (Snapshot) value;
    }

    /** Drops the binding of {@code task}, if any. */
    void remove(Object task) {
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
    int sizeBeside() {
        return table.size();
    }
}
