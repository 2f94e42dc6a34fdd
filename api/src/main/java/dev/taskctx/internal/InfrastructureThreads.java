package dev.taskctx.internal;

import java.util.Arrays;
import java.util.Set;

/**
 * Decides whether a newly constructed thread is infrastructure (a pool's worker, a JDK service
 * thread) that must start with an empty context instead of keeping its creator's snapshot for the
 * rest of its life. Internal; called from Thread-constructor advice, so it loads no classes,
 * walks no stacks and allocates nothing: everything it needs is resolved by {@link #configure}
 * before the advice is installed.
 */
final class InfrastructureThreads {

    /**
     * Worker loops that pools hand to their thread factories; a worker may be started outside execute().
     * Matched by name, never loaded here: an agent listed after taskctx must see them load.
     */
    private static final String[] WORKER_LOOPS = {
        "java.util.concurrent.ThreadPoolExecutor$Worker",
    };
    /**
     * Libraries' worker threads and worker loops that can be created outside a hand-off (lazily, from
     * whatever code first needs them, or eagerly when a pool starts): they run many tasks and start
     * empty, as if listed in {@code threads.exclude}.
     */
    private static final String[] LIBRARY_WORKERS = {
        "kotlinx.coroutines.scheduling.CoroutineScheduler$Worker",
        "kotlinx.coroutines.DefaultExecutor",
        "org.eclipse.jetty.util.thread.QueuedThreadPool$Runner",
        "org.apache.tomcat.util.threads.TaskThread",
        // Tomcat's connector threads, started with the server: they hand every connection to the workers.
        "org.apache.tomcat.util.net.NioEndpoint$Poller",
        "org.apache.tomcat.util.net.Nio2Endpoint$Nio2Acceptor",
        "org.apache.tomcat.util.net.Acceptor",
    };
    /** Hidden classes of lambdas are named {@code Host$$Lambda...}; a lambda counts as its host. */
    private static final String LAMBDA = "$$Lambda";

    /** {@code java.lang.BaseVirtualThread} (JDK 21+), or null: virtual threads are the application's threads. */
    private static volatile Class<?> virtualThread;
    private static volatile ClassLoader platformLoader;
    private static volatile String[] excluded = new String[0];

    private InfrastructureThreads() {
    }

    static void configure(Set<String> excludedClassNames) {
        virtualThread = bootstrapClass("java.lang.BaseVirtualThread");
        platformLoader = ClassLoader.getPlatformClassLoader();
        String[] names = Arrays.copyOf(LIBRARY_WORKERS, LIBRARY_WORKERS.length + excludedClassNames.size());
        int next = LIBRARY_WORKERS.length;
        for (String name : excludedClassNames) {
            names[next++] = name;
        }
        excluded = names;
    }

    /** The class {@code name} of the bootstrap class loader, not initialized, or null where this JDK has none. */
    static Class<?> bootstrapClass(String name) {
        try {
            return Class.forName(name, false, null);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * Whether {@code thread}, about to run {@code target} (null for a subclass that overrides run()),
     * must start empty: its class derives from a JDK Thread subclass other than the virtual threads
     * (ForkJoin workers and carriers, TimerThread, InnocuousThread, ...), its target is a pool's
     * worker loop or a class of the JDK's internal packages, or the thread's class or the target's
     * class is a known library worker ({@link #LIBRARY_WORKERS}) or excluded by the
     * {@code threads.exclude} option.
     */
    static boolean startsEmpty(Thread thread, Runnable target) {
        Class<?> threadClass = thread.getClass();
        if (threadClass != Thread.class && derivesFromJdkThreadSubclass(threadClass)) {
            return true;
        }
        if (target != null) {
            Class<?> targetClass = target.getClass();
            if (isJdk(targetClass)) {
                String name = targetClass.getName();
                if (isInternalPackage(name) || isWorkerLoop(name)) {
                    return true;
                }
            }
        }
        String[] names = excluded;
        return names.length > 0
                && (isExcluded(threadClass, names) || (target != null && isExcluded(target.getClass(), names)));
    }

    private static boolean derivesFromJdkThreadSubclass(Class<?> threadClass) {
        Class<?> virtual = virtualThread;
        if (virtual != null && virtual.isAssignableFrom(threadClass)) {
            return false;
        }
        for (Class<?> type = threadClass; type != null && type != Thread.class; type = type.getSuperclass()) {
            if (isJdk(type)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A class of the JDK's internal packages ({@code sun.*}, {@code jdk.*}, {@code com.sun.*}): as the
     * task of a new thread or of a pool, it is a service loop the JDK starts for itself (an asynchronous
     * channel group's event loop), not work the application hands off.
     */
    static boolean isJdkInternal(Class<?> type) {
        return isJdk(type) && isInternalPackage(type.getName());
    }

    private static boolean isJdk(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        return loader == null || loader == platformLoader;
    }

    private static boolean isWorkerLoop(String className) {
        for (String loop : WORKER_LOOPS) {
            if (loop.equals(className)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInternalPackage(String className) {
        return className.startsWith("sun.") || className.startsWith("jdk.") || className.startsWith("com.sun.");
    }

    /** The class or one of its superclasses is named in {@code names}; a lambda is matched by its host class. */
    private static boolean isExcluded(Class<?> type, String[] names) {
        for (Class<?> c = type; c != null && c != Object.class && c != Thread.class; c = c.getSuperclass()) {
            String className = c.getName();
            for (String name : names) {
                if (className.startsWith(name)
                        && (className.length() == name.length() || className.startsWith(LAMBDA, name.length()))) {
                    return true;
                }
            }
        }
        return false;
    }
}
