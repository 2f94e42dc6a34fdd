package dev.taskctx.internal;

/**
 * Lambda classes as the JDK makes them: the agent's {@link Rewriter} gives a {@code Runnable} lambda's
 * class a binding field ({@link TaskBindingCarrier}), so that handing a new lambda to a pool binds its
 * snapshot without the side table. Only where the lambda's class will see this very interface: its
 * host's module reads the bootstrap class path's unnamed module, and its host's class loader resolves
 * the interface's name to this class (a child-first loader may hold a copy of the api; a loader that
 * does not delegate to the bootstrap class path, such as an OSGi bundle's, finds nothing and would fail
 * the lambda's definition).
 *
 * <p>Internal: public only because the agent installs the rewriter.
 */
public final class LambdaClasses {

    /** Rewrites a lambda's class file; runs inside the linkage of a lambda, so it must not use one itself. */
    public interface Rewriter {
        /** The class file with a binding field, or {@code null} to keep it as it is. */
        byte[] rewrite(byte[] classFile);
    }

    private static volatile Rewriter rewriter;

    private static final String VIRTUAL_THREAD = "java.lang.VirtualThread";

    /** Whether a host's lambdas see the carrier interface: asked once per host class. */
    private static final ClassValue<Boolean> HOSTS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> host) {
            return seesCarrier(host);
        }
    };

    /**
     * Set while a class loader is asked for the carrier: lambdas its own code links meanwhile are left
     * alone, and their hosts are not judged (a host judged now would keep the answer for good).
     */
    private static final ThreadLocal<Boolean> ASKING_LOADER = new ThreadLocal<>();

    private LambdaClasses() {
    }

    /** Called once by the agent at premain, before lambda classes reach {@link #classFile}. */
    public static void install(Rewriter installed) {
        rewriter = installed;
    }

    /**
     * The class file to define for a lambda class of {@code host} implementing {@code implemented}: only a
     * {@code Runnable}'s (or a sub-interface's) is rewritten. The factory knows the interface, so no lambda
     * class file is read to find it (a Spring Boot start makes about 900 lambda classes, 21 of them
     * {@code Runnable}s).
     */
    static byte[] classFile(byte[] classFile, Class<?> host, Class<?> implemented) {
        Rewriter current = rewriter;
        if (current == null || host == null || implemented == null || !Runnable.class.isAssignableFrom(implemented)
                || ASKING_LOADER.get() != null || !HOSTS.get(host)) {
            return classFile;
        }
        byte[] rewritten = current.rewrite(classFile);
        return rewritten != null ? rewritten : classFile;
    }

    private static boolean seesCarrier(Class<?> host) {
        if (!host.getModule().canRead(TaskBindingCarrier.class.getModule())) {
            return false;
        }
        ClassLoader loader = host.getClassLoader();
        if (loader == null) {
            // VirtualThread's one Runnable lambda (runContinuation) is made with each virtual thread and kept
            // for its life; the default scheduler queues it wrapped in a ForkJoinTask, which has a field of
            // its own. A field in it would add 8 B to every virtual thread for nothing.
            return !host.getName().equals(VIRTUAL_THREAD);
        }
        ASKING_LOADER.set(Boolean.TRUE);
        try {
            return Class.forName(TaskBindingCarrier.class.getName(), false, loader) == TaskBindingCarrier.class;
        } catch (ClassNotFoundException | LinkageError notVisible) {
            return false;
        } finally {
            ASKING_LOADER.remove();
        }
    }
}
