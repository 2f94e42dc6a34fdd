package dev.taskctx;

/**
 * Access to a thread-local that the application already has (a logging MDC, a security context, its
 * own {@code ThreadLocal}), so that its value travels with the task context. Once registered with
 * {@link TaskContext#register}, the value is read at every hand-off, written on the thread that runs
 * the task for the task's duration, and that thread's previous value is put back afterwards, also when
 * the task throws: the same copy semantics as the task context.
 *
 * <p>A value read is handed to every task captured from that moment, possibly on several threads at
 * once, so {@code read} returns an immutable value or a copy, and {@code write} installs it so that the
 * task's own changes do not reach it (copying it if the thread-local holds a mutable object). The
 * methods are called on the thread whose value they read or change. An exception they throw is
 * reported once on stderr and the value is not carried; the hand-off itself goes on.
 *
 * <p>Named apart from Micrometer context-propagation's {@code io.micrometer.context.ThreadLocalAccessor},
 * which has other methods: an application can have both without importing the wrong one. taskctx
 * carries Micrometer's accessors too (agent option {@code micrometer}).
 *
 * @param <T> the type of the value
 */
public interface CarriedThreadLocal<T> {

    /** The calling thread's value, or {@code null} when it has none (then nothing is carried). */
    T read();

    /** Makes {@code value}, never {@code null}, the calling thread's value. */
    void write(T value);

    /** Removes the calling thread's value. */
    void clear();
}
