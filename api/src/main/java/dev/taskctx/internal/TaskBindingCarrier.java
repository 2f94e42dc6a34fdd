package dev.taskctx.internal;

/**
 * A task class that carries its own pool binding: the agent adds this interface, a volatile field and
 * the two methods to {@code FutureTask}, {@code ForkJoinTask} and {@code TimerTask} as they load, and to
 * the class of a {@code Runnable} lambda as the JDK makes it ({@link LambdaClasses}), so that a hand-off of
 * one of their objects (a submitted {@code Callable}, a scheduled task, a fork, an async
 * {@code CompletableFuture} stage) binds its snapshot without the side table: no identity hash, no
 * lock, no entry object. The binding goes with the task when it is collected. See {@link Bindings}.
 *
 * <p>Internal: public only because JDK classes implement it.
 */
public interface TaskBindingCarrier {

    /** The field's value: null, a {@code Snapshot}, or a {@link Bindings.Kept} one. */
    Object taskctx$taskBinding();

    /** Compare-and-set of the field. */
    boolean taskctx$casTaskBinding(Object expected, Object update);
}
