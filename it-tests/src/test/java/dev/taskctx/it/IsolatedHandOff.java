package dev.taskctx.it;

import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Loaded by {@code LambdaFieldTest}'s loader that sees no taskctx class: refers to none, and is a
 * top-level class so that its lambdas' nest host is itself.
 */
public final class IsolatedHandOff {

    private IsolatedHandOff() {
    }

    /** Hands a new lambda that records what {@code read} returns to {@code executor}, and returns it. */
    public static Runnable handOff(Executor executor, Supplier<Object> read, Consumer<Object> record) {
        Runnable task = () -> record.accept(read.get());
        executor.execute(task);
        return task;
    }
}
