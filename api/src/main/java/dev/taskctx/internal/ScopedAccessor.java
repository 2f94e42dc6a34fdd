package dev.taskctx.internal;

import dev.taskctx.CarriedThreadLocal;

/**
 * A carried thread-local whose install must be undone by its own restore, not by writing the previous
 * value again: Micrometer's accessors open a scope in {@code setValue} and close it in {@code restore}, so
 * a second {@code setValue} would leave scopes piling up on pool workers. {@link CarriedThreadLocals}
 * reads it with {@link #read()} like any accessor, but installs and restores it through the two methods
 * below; {@code write} and {@code clear} are never called. Internal.
 */
interface ScopedAccessor extends CarriedThreadLocal<Object> {

    /**
     * Installs {@code value} (what {@link #read()} returned on the submitting thread, or {@code null}: none)
     * on the calling thread and returns what {@link #restore} needs to undo exactly this, or {@code null}
     * when nothing was changed.
     *
     * @param restored      whether a restore will follow ({@code false} for a new thread's first install)
     * @param previousValue what {@link #read()} returned on this thread just before, or {@code null}
     */
    Object install(Object value, boolean restored, Object previousValue);

    /**
     * Undoes the {@link #install} that returned {@code scope}. Anything else (a value {@link #read()}
     * returned, put back where nothing was installed) is ignored.
     */
    void restore(Object scope);

    @Override
    default void write(Object value) {
        throw new UnsupportedOperationException("installed through install(value, restored, previousValue)");
    }

    @Override
    default void clear() {
        throw new UnsupportedOperationException("restored through restore(scope)");
    }
}
