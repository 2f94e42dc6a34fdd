package dev.taskctx.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The JDK 21+ thread APIs ({@code Thread.Builder}, virtual threads, thread-per-task executors), called
 * reflectively because the tests are compiled for Java 17; the JDK 17 run skips their tests.
 */
final class Jdk21Threads {

    private Jdk21Threads() {
    }

    /** Skips the calling test, with one line saying why, on a JDK without these APIs. */
    static void assumeAvailable() {
        assumeTrue(Runtime.version().feature() >= 21,
                "needs JDK 21+ (Thread.Builder, virtual threads); this run is on JDK " + Runtime.version().feature()
                        + ", the JDK 25 run covers it");
    }

    static Object ofPlatform() {
        return invoke(method(Thread.class, "ofPlatform"), null);
    }

    static Object ofVirtual() {
        return invoke(method(Thread.class, "ofVirtual"), null);
    }

    /** {@code builder.inheritInheritableThreadLocals(false)}. */
    static Object notInheritingThreadLocals(Object builder) {
        return invoke(method(builderType(), "inheritInheritableThreadLocals", boolean.class), builder, false);
    }

    static Thread unstarted(Object builder, Runnable task) {
        return (Thread) invoke(method(builderType(), "unstarted", Runnable.class), builder, task);
    }

    static Thread start(Object builder, Runnable task) {
        return (Thread) invoke(method(builderType(), "start", Runnable.class), builder, task);
    }

    static ThreadFactory factory(Object builder) {
        return (ThreadFactory) invoke(method(builderType(), "factory"), builder);
    }

    static boolean isVirtual(Thread thread) {
        return (Boolean) invoke(method(Thread.class, "isVirtual"), thread);
    }

    static ExecutorService newVirtualThreadPerTaskExecutor() {
        return (ExecutorService) invoke(method(Executors.class, "newVirtualThreadPerTaskExecutor"), null);
    }

    static ExecutorService newThreadPerTaskExecutor(ThreadFactory factory) {
        return (ExecutorService) invoke(method(Executors.class, "newThreadPerTaskExecutor", ThreadFactory.class),
                null, factory);
    }

    private static Class<?> builderType() {
        try {
            return Class.forName("java.lang.Thread$Builder");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Method method(Class<?> type, String name, Class<?>... parameters) {
        try {
            return type.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object invoke(Method method, Object receiver, Object... arguments) {
        try {
            return method.invoke(receiver, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
