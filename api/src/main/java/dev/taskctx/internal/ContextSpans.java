package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * Spans of context for an observer outside the core (agent option {@code jfr}, which records them as
 * JFR events): a span is the time a thread runs with the same values of a few configured keys, at
 * least one of them present. Every change of a thread's context passes through {@link Propagation}
 * (install, restore, {@code TaskContext.set}) and through {@link ThreadState}'s constructor (a thread's
 * first context), which call {@link #contextChanged}; a change that leaves those values as they were
 * (compared by identity) continues the span, any other ends it and begins the next one, if the new
 * context holds any of them and the recorder is recording.
 *
 * <p>{@link #ON} is fixed when this class is first used, at the first change of any thread's context:
 * the agent hands its {@link SpanRecorder} over before that ({@link Propagation#recordSpansWith}). While it
 * is false, which it is without the option, the callers' check of it is all that runs.
 */
final class ContextSpans {

    private static final SpanRecorder RECORDER = Propagation.spanRecorder();
    private static final String[] KEYS = Propagation.spanKeys();
    /** Whether spans are recorded; a constant to the JIT, so that without the option the check costs nothing. */
    static final boolean ON = RECORDER != null && KEYS != null && KEYS.length != 0;

    static {
        Propagation.spansFixed();
    }

    private ContextSpans() {
    }

    /**
     * A thread's open span: the values it was begun for, to tell a change of them from a change of other
     * entries (each is also in the thread's current context, so this keeps nothing alive that the
     * context does not), and the recorder's span, which holds Strings only.
     */
    static final class OpenSpan {
        final Object[] values;
        final Object span;

        OpenSpan(Object[] values, Object span) {
            this.values = values;
            this.span = span;
        }
    }

    /**
     * {@code state}'s context was just written: ends its open span unless the configured values are
     * still the same objects, and begins a span for the new values if any is present. Never throws: a
     * recorder's failure costs the span, never the context change.
     */
    static void contextChanged(ThreadState state) {
        OpenSpan open = state.span;
        Snapshot context = state.context;
        if (open != null && sameValues(open.values, context)) {
            return;
        }
        state.span = null;
        try {
            if (open != null) {
                RECORDER.end(open.span);
            }
            // While no recording runs, a change allocates nothing.
            Object[] values = RECORDER.recording() ? valuesIn(context) : null;
            Object span = values == null ? null : RECORDER.begin(values);
            if (span != null) {
                state.span = new OpenSpan(values, span);
            }
        } catch (Throwable ignored) {
            // the thread runs on without a span until its values change
        }
    }

    /** {@code state}'s thread ends, on that thread: its open span, if any, ends now. */
    static void threadEnds(ThreadState state) {
        OpenSpan open = state.span;
        state.span = null;
        if (open != null) {
            try {
                RECORDER.end(open.span);
            } catch (Throwable ignored) {
                // the span is lost
            }
        }
    }

    private static boolean sameValues(Object[] values, Snapshot context) {
        for (int i = 0; i < KEYS.length; i++) {
            if (context.get(KEYS[i]) != values[i]) {
                return false;
            }
        }
        return true;
    }

    /** The configured keys' values in {@code context}, or null if it holds none of them. */
    private static Object[] valuesIn(Snapshot context) {
        Object[] values = null;
        for (int i = 0; i < KEYS.length; i++) {
            Object value = context.get(KEYS[i]);
            if (value != null) {
                if (values == null) {
                    values = new Object[KEYS.length];
                }
                values[i] = value;
            }
        }
        return values;
    }
}
