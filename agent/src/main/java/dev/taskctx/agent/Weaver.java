package dev.taskctx.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * The agent's class file transformer. It decides by name first: the JDK classes in the plan, the
 * {@code Completion} classes of {@code CompletableFuture}, and nothing else under {@code java.},
 * {@code jdk.}, {@code sun.} and {@code com.sun.}. An application class is read only as far as its
 * header and method table; only one that extends or implements something and declares a method an
 * application hook weaves ({@link DeclaredMethods}) is looked at further, through the class files of
 * its super types ({@link SuperTypes}), never by loading them.
 * Classes loaded before the agent are judged by reflection ({@link #wants}) and retransformed.
 */
final class Weaver implements ClassFileTransformer {

    private static final String[] JDK_PREFIXES = {"java/", "jdk/", "sun/", "com/sun/"};
    private static final String SIGNALLER = WeavingPlan.COMPLETION_PREFIX + "Signaller";
    private static final List<MethodHook> NONE = List.of();
    private static final String[] NO_INTERFACES = {};

    private final WeavingPlan plan;
    private final boolean debug;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final SuperTypes superTypes = new SuperTypes();
    private final DeclaredMethods declaredMethods;

    Weaver(WeavingPlan plan, boolean debug) {
        this.plan = plan;
        this.debug = debug;
        this.declaredMethods = new DeclaredMethods(plan);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classFile) {
        if (className == null || classFile == null) {
            return null;
        }
        boolean carrierCalls = weavesCarrierCalls(className, loader);
        if (isTaskctxItself(className) && !carrierCalls) {
            return null;
        }
        try {
            byte[] woven = carrierCalls ? UncheckedCarrierCalls.weave(classFile)
                    : hooksAndFields(loader, className, redefined, classFile);
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

    /** The class file with the plan's hooks and binding fields, or {@code null} when it gets none. */
    private byte[] hooksAndFields(ClassLoader loader, String className, Class<?> redefined, byte[] classFile) {
        List<MethodHook> hooks = hooksFor(loader, className, redefined, classFile);
        List<BindingField> fields = fieldsFor(className, redefined);
        if (hooks.isEmpty() && fields == null) {
            return null;
        }
        byte[] woven = hooks.isEmpty() ? null : HookWeaver.weave(classFile, hooks);
        if (fields != null) {
            byte[] withFields = BindingField.add(woven != null ? woven : classFile, fields);
            woven = withFields != null ? withFields : woven;
        }
        return woven;
    }

    /** Whether this is the api's {@code CarrierCalls} of the bootstrap class path, to be woven without casts. */
    private boolean weavesCarrierCalls(String className, ClassLoader loader) {
        return plan.uncheckedCarrierCalls && loader == null && className.equals(UncheckedCarrierCalls.CLASS_NAME);
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
        List<MethodHook> named = byName(className);
        if (named == null) {
            return bySuperTypes(loader, className, redefined, classFile);
        }
        if (!plan.keepingSuperTypeHooks.contains(className)) {
            return named;
        }
        List<MethodHook> hooks = new ArrayList<>(bySuperTypes(loader, className, redefined, classFile));
        hooks.addAll(named);
        return hooks;
    }

    /** The hooks an application class gets from its super types (an executor's, a thread's). */
    private List<MethodHook> bySuperTypes(ClassLoader loader, String className, Class<?> redefined, byte[] classFile) {
        // Most classes declare no hooked method: nothing to weave, whatever their super types are; they are
        // not even parsed.
        if (!declaredMethods.mayDeclare(classFile)) {
            return NONE;
        }
        ClassReader header = new ClassReader(classFile);
        int access = header.getAccess();
        int wanted = (access & Opcodes.ACC_INTERFACE) != 0 ? 0 : declaredMethods.wanted(header, classFile);
        if (wanted == 0) {
            return NONE;
        }
        String superName = header.getSuperName();
        // Only a super class makes a class a Thread: a class whose only hooked method is a thread hook's
        // (a Runnable's run()) needs no look at its interfaces, and one that extends Object none at all.
        String[] interfaces = wanted == SuperTypes.THREAD ? NO_INTERFACES : header.getInterfaces();
        if (superName == null || (superName.equals("java/lang/Object") && interfaces.length == 0)) {
            return NONE;
        }
        int flags = redefined != null ? SuperTypes.ofLoaded(redefined) : superTypes.of(superName, interfaces, loader);
        return applicationHooks(className, flags, (access & Opcodes.ACC_SYNTHETIC) != 0);
    }

    /**
     * The binding fields to add: when the class loads, or when a class that got them is redefined
     * (its new class file must declare them again); never to a class loaded before the agent.
     */
    private List<BindingField> fieldsFor(String className, Class<?> redefined) {
        List<BindingField> fields = plan.fields.get(className);
        if (fields == null || redefined == null) {
            return fields;
        }
        for (BindingField field : fields) {
            if (!field.declaredBy(redefined)) {
                return null;
            }
        }
        return fields;
    }

    /** Whether a class loaded before the agent needs weaving: the same decision, its super types found by reflection. */
    boolean wants(Class<?> type) {
        if (type.isArray() || type.isPrimitive()) {
            return false;
        }
        String className = type.getName().replace('.', '/');
        if (isTaskctxItself(className)) {
            return weavesCarrierCalls(className, type.getClassLoader());
        }
        List<MethodHook> named = byName(className);
        if (named != null) {
            return !named.isEmpty();
        }
        return !type.isInterface()
                && !applicationHooks(className, SuperTypes.ofLoaded(type), type.isSynthetic()).isEmpty();
    }

    /**
     * The hooks the class name alone decides: the plan's JDK and library classes, {@code CompletableFuture}'s
     * completions, nothing for other JDK classes; {@code null} when the class's super types decide.
     */
    private List<MethodHook> byName(String className) {
        List<MethodHook> named = plan.byClass.get(className);
        if (named != null) {
            return named;
        }
        if (className.startsWith(WeavingPlan.COMPLETION_PREFIX)) {
            return className.equals(SIGNALLER) ? NONE : plan.completions;
        }
        if (isJdk(className) || (plan.applicationExecutors.isEmpty() && plan.applicationThreads.isEmpty()
                && plan.applicationScheduledExecutors.isEmpty())) {
            return NONE;
        }
        return null;
    }

    /** The hooks of an application class with {@link SuperTypes} {@code flags}. */
    private List<MethodHook> applicationHooks(String className, int flags, boolean synthetic) {
        List<MethodHook> hooks = new ArrayList<>();
        if ((flags & SuperTypes.THREAD) != 0) {
            hooks.addAll(plan.applicationThreads);
        }
        // Subclasses of the JDK's pools are instrumented at the pools' own hand-off points.
        if ((flags & (SuperTypes.EXECUTOR | SuperTypes.INSTRUMENTED_POOL)) == SuperTypes.EXECUTOR && !synthetic
                && !plan.excludedExecutors.contains(className.replace('/', '.'))) {
            hooks.addAll(plan.applicationExecutors);
            if ((flags & SuperTypes.SCHEDULED_EXECUTOR) != 0) {
                hooks.addAll(plan.applicationScheduledExecutors);
            }
        }
        return hooks;
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
