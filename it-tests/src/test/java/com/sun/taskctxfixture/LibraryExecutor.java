package com.sun.taskctxfixture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A library executor in a {@code com.sun.*} package, as some libraries have (Jersey, JAXB's reference
 * implementation): the agent leaves classes with JDK-like names alone, but must still read this one's
 * class file to judge an application subclass. It queues tasks; {@link #runQueued()} runs them.
 */
public class LibraryExecutor implements Executor {
    private final List<Runnable> queued = new ArrayList<>();

    @Override
    public void execute(Runnable task) {
        queued.add(task);
    }

    public void runQueued() {
        queued.forEach(Runnable::run);
        queued.clear();
    }
}
