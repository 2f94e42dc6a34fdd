package dev.taskctx.agent;

/** A task class with a static initializer of its own, for {@link BindingFieldTest}. */
public class TaskSubject implements Runnable {

    public static final Object CREATED_BY_INITIALIZER = new Object();

    @Override
    public void run() {
    }
}
