package dev.taskctx.internal;

/**
 * Records spans of context ({@link ContextSpans}); implemented by the agent (option {@code jfr}), so
 * that the core links to no JFR class. Both methods are called on the thread the span belongs to, and
 * {@link #end} at most once per span.
 */
public interface SpanRecorder {

    /** Whether a span begun now would be recorded (a recording that takes these events runs); cheap. */
    boolean recording();

    /**
     * Begins a span on the current thread.
     *
     * @param values the value of each configured key, in the order of the keys; null where absent
     * @return the open span, held by the thread until {@link #end}; null if nothing is recorded now
     *         (the recording stopped meanwhile): the thread then records no span until its values change
     */
    Object begin(Object[] values);

    /** Ends and records {@code span}, which {@link #begin} returned on this thread. */
    void end(Object span);
}
