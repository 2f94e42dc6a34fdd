package dev.taskctx.agent;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;

/**
 * What a class being loaded extends, found from class files and never by loading a class: a class
 * that a transformer loads is not shown to that transformer (the JVM does not re-enter an agent's
 * transformers on the thread they run on), so a super type loaded here would escape the agent, be it
 * {@code ThreadPoolExecutor} under an application subclass or an application's base executor.
 *
 * <p>{@code java.*} class files are read from the platform loader (which reaches the boot loader's)
 * and their results kept for the life of the JVM; other results are kept per class loader, weakly.
 */
final class SuperTypes {

    /** The type is or extends {@code java.util.concurrent.Executor}. */
    static final int EXECUTOR = 1;
    /** The type is or extends {@code ThreadPoolExecutor} or {@code ForkJoinPool}, instrumented at their own hand-off points. */
    static final int INSTRUMENTED_POOL = 2;
    /** The type is or extends {@code java.lang.Thread}. */
    static final int THREAD = 4;
    /** The type is or extends {@code java.util.concurrent.ScheduledExecutorService}. */
    static final int SCHEDULED_EXECUTOR = 8;

    private static final Map<String, Integer> KNOWN = Map.of(
            "java/lang/Object", 0,
            "java/util/concurrent/Executor", EXECUTOR,
            "java/util/concurrent/ScheduledExecutorService", EXECUTOR | SCHEDULED_EXECUTOR,
            "java/util/concurrent/ThreadPoolExecutor", EXECUTOR | INSTRUMENTED_POOL,
            "java/util/concurrent/ForkJoinPool", EXECUTOR | INSTRUMENTED_POOL,
            "java/lang/Thread", THREAD);

    private static final Map<String, Integer> JDK = new ConcurrentHashMap<>();
    /** Per loader; the boot loader's results go to {@link #JDK} or to the {@code null} key. */
    private final Map<ClassLoader, Map<String, Integer>> byLoader = new WeakHashMap<>();

    /** A super type whose class file cannot be read from its loader. */
    static final class UnreadableTypeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableTypeException(String internalName) {
            super("cannot read the class file of its super type " + internalName.replace('/', '.'));
        }
    }

    /**
     * The flags of a class with the given direct super types, as seen from {@code loader}.
     *
     * @throws UnreadableTypeException when a super type's class file is not available
     */
    int of(String superName, String[] interfaces, ClassLoader loader) {
        int flags = superName == null ? 0 : flags(superName, loader);
        for (String type : interfaces) {
            flags |= flags(type, loader);
        }
        return flags;
    }

    private int flags(String type, ClassLoader loader) {
        Integer known = KNOWN.get(type);
        if (known != null) {
            return known;
        }
        // Only java.* is the JDK's for sure; jdk.*, sun.* and com.sun.* names also occur in libraries.
        boolean jdk = type.startsWith("java/");
        Map<String, Integer> cache = jdk ? JDK : cacheOf(loader);
        Integer cached = cache.get(type);
        if (cached != null) {
            return cached;
        }
        ClassReader reader = new ClassReader(Privileged.classFile(type, loader, jdk));
        int flags = of(reader.getSuperName(), reader.getInterfaces(), loader);
        cache.put(type, flags);
        return flags;
    }

    /** The flags of a class that is loaded already, from its super types' names (the same table). */
    static int ofLoaded(Class<?> type) {
        int flags = 0;
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Integer known = KNOWN.get(c.getName().replace('.', '/'));
            flags |= known == null ? 0 : known;
            for (Class<?> implemented : c.getInterfaces()) {
                flags |= ofLoaded(implemented);
            }
        }
        return flags;
    }

    private Map<String, Integer> cacheOf(ClassLoader loader) {
        synchronized (byLoader) {
            Map<String, Integer> cache = byLoader.get(loader);
            if (cache == null) {
                cache = new ConcurrentHashMap<>();
                byLoader.put(loader, cache);
            }
            return cache;
        }
    }
}
