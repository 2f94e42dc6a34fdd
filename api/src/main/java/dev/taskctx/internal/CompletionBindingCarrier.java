package dev.taskctx.internal;

/**
 * {@link TaskBindingCarrier}'s twin for the registration binding of a {@code CompletableFuture}
 * completion, a second field beside its pool binding: an async stage holds both at once (its
 * registering code's snapshot, and the snapshot of the thread that handed it to its executor).
 *
 * <p>Internal: public only because JDK classes implement it.
 */
public interface CompletionBindingCarrier {

    /** The field's value: null, a {@code Snapshot}, or a {@link Bindings.Kept} one. */
    Object taskctx$completionBinding();

    /** Compare-and-set of the field. */
    boolean taskctx$casCompletionBinding(Object expected, Object update);
}
