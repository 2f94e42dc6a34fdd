package dev.taskctx.internal;

/**
 * The home of a virtual thread's state: the agent adds this interface, a volatile field and the two
 * methods to {@code java.lang.VirtualThread$VThreadContinuation} as it loads, the one object each
 * virtual thread makes for its code and drops with it. See {@link VirtualThreadStates}.
 *
 * <p>Internal: public only because a JDK class implements it.
 */
public interface ThreadStateCarrier {

    /** The field's value: null, the {@code Snapshot} the thread inherited, or its {@link ThreadState}. */
    Object taskctx$threadState();

    /** Compare-and-set of the field. */
    boolean taskctx$casThreadState(Object expected, Object update);
}
