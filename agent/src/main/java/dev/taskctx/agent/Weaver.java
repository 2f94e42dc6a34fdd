package dev.taskctx.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * The agent's class file transformer. It decides by name first: the JDK classes in the plan, the
 * {@code Completion} classes of {@code CompletableFuture}, and nothing else under {@code java.},
 * {@code jdk.}, {@code sun.} and {@code com.sun.}. An application class is read only as far as its
 * header; only one that extends or implements something is looked at further, through the class
 * files of its super types ({@link SuperTypes}), never by loading them.
 * Classes loaded before the agent are judged by reflection ({@link #wants}) and retransformed.
 */
final class Weaver implements ClassFileTransformer {

    private static final String[] JDK_PREFIXES = {"java/", "jdk/", "sun/", "com/sun/"};
    private static final String SIGNALLER = WeavingPlan.COMPLETION_PREFIX + "Signaller";

    private final WeavingPlan plan;
    private final boolean debug;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final SuperTypes superTypes = new SuperTypes();

    Weaver(WeavingPlan plan, boolean debug) {
        this.plan = plan;
        this.debug = debug;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classFile) {
        if (className == null || classFile == null || isTaskctxItself(className)) {
            return null;
        }
        try {
            List<MethodHook> hooks = hooksFor(loader, className, redefined, classFile);
            if (hooks == null || hooks.isEmpty()) {
                return null;
            }
            byte[] woven = HookWeaver.weave(classFile, hooks);
            if (woven != null && debug) {
                System.err.println("taskctx: instrumented " + className.replace('/', '.'));
            }
            return woven;
        } catch (SuperTypes.UnreadableTypeException missing) {
            // A loader that serves this class file but not its super type's does not have the super type:
            // an optional dependency's adapter (Netty's Log4J2Logger without Log4j), which will not load.
            if (debug || loader == null || !Privileged.servesClassFile(loader, className)) {
                report(className.replace('/', '.'), missing);
            }
            return null;
        } catch (Throwable error) {
            report(className.replace('/', '.'), error);
            return null;
        }
    }

    /** One line per class that could not be instrumented. */
    void report(String className, Throwable error) {
        if (reported.add(className)) {
            String reason = error.getMessage() == null ? error.getClass().getSimpleName()
                    : error.getClass().getSimpleName() + ": " + error.getMessage();
            System.err.println("taskctx: could not instrument " + className + " (" + reason
                    + "); the application runs on without propagation through this class");
        }
    }

    private List<MethodHook> hooksFor(ClassLoader loader, String className, Class<?> redefined, byte[] classFile) {
        List<MethodHook> named = plan.byClass.get(className);
        if (named != null) {
            return named;
        }
        if (className.startsWith(WeavingPlan.COMPLETION_PREFIX)) {
            return className.equals(SIGNALLER) ? null : plan.completions;
        }
        if (isJdk(className) || (plan.applicationExecutors.isEmpty() && plan.applicationThreads.isEmpty()
                && plan.applicationScheduledExecutors.isEmpty())) {
            return null;
        }
        ClassReader header = new ClassReader(classFile);
        int access = header.getAccess();
        String superName = header.getSuperName();
        String[] interfaces = header.getInterfaces();
        if ((access & Opcodes.ACC_INTERFACE) != 0 || superName == null
                || (superName.equals("java/lang/Object") && interfaces.length == 0)) {
            return null;
        }
        int flags = redefined != null ? flagsOf(redefined) : superTypes.of(superName, interfaces, loader);
        List<MethodHook> hooks = new ArrayList<>();
        if ((flags & SuperTypes.THREAD) != 0) {
            hooks.addAll(plan.applicationThreads);
        }
        if ((flags & (SuperTypes.EXECUTOR | SuperTypes.INSTRUMENTED_POOL)) == SuperTypes.EXECUTOR
                && (access & Opcodes.ACC_SYNTHETIC) == 0
                && !plan.excludedExecutors.contains(className.replace('/', '.'))) {
            hooks.addAll(plan.applicationExecutors);
            if ((flags & SuperTypes.SCHEDULED_EXECUTOR) != 0) {
                hooks.addAll(plan.applicationScheduledExecutors);
            }
        }
        return hooks;
    }

    /** {@link SuperTypes} flags of a loaded class, by reflection. */
    private static int flagsOf(Class<?> type) {
        int flags = 0;
        if (Executor.class.isAssignableFrom(type)) {
            flags |= SuperTypes.EXECUTOR;
        }
        if (java.util.concurrent.ScheduledExecutorService.class.isAssignableFrom(type)) {
            flags |= SuperTypes.SCHEDULED_EXECUTOR;
        }
        if (Thread.class.isAssignableFrom(type)) {
            flags |= SuperTypes.THREAD;
        }
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            String name = c.getName();
            if (name.equals("java.util.concurrent.ThreadPoolExecutor") || name.equals("java.util.concurrent.ForkJoinPool")) {
                flags |= SuperTypes.INSTRUMENTED_POOL;
            }
        }
        return flags;
    }

    /** Whether a class loaded before the agent needs weaving: the same decision, by reflection. */
    boolean wants(Class<?> type) {
        if (type.isArray() || type.isPrimitive()) {
            return false;
        }
        String className = type.getName().replace('.', '/');
        if (isTaskctxItself(className)) {
            return false;
        }
        if (plan.byClass.containsKey(className)) {
            return true;
        }
        if (className.startsWith(WeavingPlan.COMPLETION_PREFIX)) {
            return !plan.completions.isEmpty() && !className.equals(SIGNALLER);
        }
        if (isJdk(className) || type.isInterface()) {
            return false;
        }
        int flags = flagsOf(type);
        if (!plan.applicationThreads.isEmpty() && (flags & SuperTypes.THREAD) != 0) {
            return true;
        }
        return !(plan.applicationExecutors.isEmpty() && plan.applicationScheduledExecutors.isEmpty())
                && !type.isSynthetic()
                && (flags & (SuperTypes.EXECUTOR | SuperTypes.INSTRUMENTED_POOL)) == SuperTypes.EXECUTOR
                && !plan.excludedExecutors.contains(type.getName());
    }

    private static boolean isJdk(String className) {
        for (String prefix : JDK_PREFIXES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The api (package dev.taskctx), the propagation core and the agent; not the user's dev.taskctx.* code. */
    private static boolean isTaskctxItself(String className) {
        if (!className.startsWith("dev/taskctx/")) {
            return false;
        }
        String rest = className.substring("dev/taskctx/".length());
        return rest.indexOf('/') < 0 || rest.startsWith("internal/") || rest.startsWith("agent/")
                || rest.startsWith("bootstrap/");
    }
}
