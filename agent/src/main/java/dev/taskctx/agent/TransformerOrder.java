package dev.taskctx.agent;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers the weaver so that its hooks are the innermost whatever the order of {@code -javaagent}
 * options. The JVM calls the transformers of retransformation-incapable environments first, then the
 * retransformation-capable ones, each group in the order the agents registered (JVMTI
 * ClassFileLoadHook). Wrapping agents (TransmittableThreadLocal's, ByteBuddy advice) register capable
 * transformers; registered among them after such an agent, taskctx's entry hook in
 * {@code ThreadPoolExecutor.execute} would run before that agent's replacement of the task and bind
 * the task the pool never sees. Weaving a class as it loads in the incapable group puts taskctx's
 * hooks in first, so every other agent's code wraps them and taskctx binds the task that is queued.
 *
 * <p>Classes loaded before the agent can only be woven through retransformation, in the capable
 * group. Their woven bytes are then baked in: given to {@code redefineClasses}, so that a later
 * retransformation by any agent starts from bytes that carry the hooks (a retransformation starts from
 * the bytes of the last load or redefinition, as the incapable group left them, unless a capable
 * transformer changed them then). The capable transformer is then removed, and with it the JVM's
 * second upcall for every class that loads: a copy of its bytes per environment (JPLIS disables the
 * hook of an environment without transformers). Where baking fails, also because another agent's
 * transformer changes one of these classes (it would apply its change again at every later
 * retransformation of the baked bytes), the classes are woven by retransformation instead and the
 * capable transformer stays to weave every later one, as it always did.
 */
final class TransformerOrder {

    /** Fails a redefinition with a {@code ClassFormatError}. */
    private static final byte[] NOT_A_CLASS_FILE = new byte[4];

    private final byte[] marker;
    private final AtLoad atLoad;
    private final OnRetransform onRetransform;
    /** The classes loaded before the agent, woven but not yet baked in; empty when no bake is under way. */
    private final Map<Class<?>, byte[]> baking = new ConcurrentHashMap<>();
    private volatile boolean capturing;
    private volatile boolean changedByAnother;

    private TransformerOrder(ClassFileTransformer weaver, String marker) {
        this.marker = marker.getBytes(StandardCharsets.UTF_8);
        this.atLoad = new AtLoad(weaver);
        this.onRetransform = new OnRetransform(weaver);
    }

    /** Adds {@code weaver}, whose woven classes mention {@code marker} (an internal class name), in both groups. */
    static TransformerOrder addTransformer(Instrumentation instrumentation, ClassFileTransformer weaver, String marker) {
        TransformerOrder order = new TransformerOrder(weaver, marker);
        instrumentation.addTransformer(order.atLoad, false);
        instrumentation.addTransformer(order.onRetransform, true);
        return order;
    }

    /**
     * Weaves {@code loaded}, classes loaded before the agent, and bakes the woven bytes in; removes the
     * capable transformer if every woven class was baked. {@code report} gets a class that could not
     * be retransformed, as the weaver reports one it could not weave.
     */
    void weaveLoaded(Instrumentation instrumentation, List<Class<?>> loaded, Weaver report, boolean debug) {
        if (!loaded.isEmpty()) {
            capturing = true;
            try {
                retransform(instrumentation, loaded, report);
            } finally {
                capturing = false;
            }
            if (!baking.isEmpty() && !bake(instrumentation, report, debug)) {
                return;
            }
        }
        instrumentation.removeTransformer(onRetransform);
    }

    /** In one call (one pass of the JVM's redefinition machinery); if that fails, one by one. */
    private static void retransform(Instrumentation instrumentation, List<Class<?>> classes, Weaver report) {
        try {
            instrumentation.retransformClasses(classes.toArray(new Class<?>[0]));
        } catch (Throwable batchFailed) {
            for (Class<?> type : classes) {
                try {
                    instrumentation.retransformClasses(type);
                } catch (Throwable error) {
                    report.report(type.getName(), error);
                }
            }
        }
    }

    /** Whether the captured classes were redefined with their woven bytes and no other agent changed them. */
    private boolean bake(Instrumentation instrumentation, Weaver report, boolean debug) {
        List<ClassDefinition> definitions = new ArrayList<>();
        for (Map.Entry<Class<?>, byte[]> woven : baking.entrySet()) {
            definitions.add(new ClassDefinition(woven.getKey(), woven.getValue()));
        }
        try {
            instrumentation.redefineClasses(definitions.toArray(new ClassDefinition[0]));
            baking.clear();
            return true;
        } catch (Throwable error) {
            // A redefinition is all or nothing: weave the classes by retransformation, as without baking.
            List<Class<?>> classes = new ArrayList<>(baking.keySet());
            baking.clear();
            if (debug) {
                System.err.println(changedByAnother
                        ? "taskctx: another agent transforms classes loaded before taskctx; taskctx weaves their "
                                + "retransformations instead of redefining them"
                        : "taskctx: could not redefine the classes loaded before taskctx with their woven bytes ("
                                + error + "); taskctx weaves their retransformations instead");
            }
            retransform(instrumentation, classes, report);
            return false;
        }
    }

    /** Whether {@code classFile} already carries the hooks: its constant pool names the marker class. */
    boolean carriesHooks(byte[] classFile) {
        return mentions(classFile, marker);
    }

    static boolean mentions(byte[] bytes, byte[] part) {
        outer:
        for (int i = 0, last = bytes.length - part.length; i <= last; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Classes as they load (and redefinitions): first among all agents' capable transformers. */
    private final class AtLoad implements ClassFileTransformer {
        private final ClassFileTransformer weaver;

        AtLoad(ClassFileTransformer weaver) {
            this.weaver = weaver;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws IllegalClassFormatException {
            // A redefinition with woven bytes (the bake, or another agent's redefinition with the bytes it was
            // given): weaving them again would run every hook twice.
            if (redefined != null && classFile != null && (baking.containsKey(redefined) || carriesHooks(classFile))) {
                return null;
            }
            return weaver.transform(module, loader, className, redefined, domain, classFile);
        }
    }

    /** Retransformations of classes that the load-time weaving did not reach. */
    private final class OnRetransform implements ClassFileTransformer {
        private final ClassFileTransformer weaver;

        OnRetransform(ClassFileTransformer weaver) {
            this.weaver = weaver;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws IllegalClassFormatException {
            if (redefined == null || classFile == null) {
                return null;
            }
            byte[] baked = baking.get(redefined);
            if (baked != null && !capturing) {
                // The bake's redefinition. Returning nothing leaves the JVM no copy of earlier bytes to start
                // later retransformations from. If another agent changed the bytes, its transformer would apply
                // its change again to bytes that already carry it at every later retransformation: fail the
                // redefinition instead (it is all or nothing), and the class stays as it was.
                if (Arrays.equals(classFile, baked)) {
                    return null;
                }
                changedByAnother = true;
                return NOT_A_CLASS_FILE;
            }
            if (carriesHooks(classFile)) {
                return null;
            }
            byte[] woven = weaver.transform(module, loader, className, redefined, domain, classFile);
            if (woven != null && capturing) {
                // Left unchanged until the bake: a class a capable transformer changes keeps its earlier bytes
                // as the start of every later retransformation, and a redefinition does not replace them
                // (HotSpot before JDK 20, JDK-7124710).
                baking.put(redefined, woven);
                return null;
            }
            return woven;
        }
    }
}
