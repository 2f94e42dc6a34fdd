package dev.taskctx.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;

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
 * <p>Classes loaded before the agent can only be woven by retransformation, in the capable group. A
 * retransformation starts from the bytes the incapable group produced (the JVM keeps them), so there
 * the capable registration weaves only bytes that carry no hook yet.
 */
final class TransformerOrder {

    private TransformerOrder() {
    }

    /** Adds {@code weaver}, whose woven classes mention {@code marker} (an internal class name), in both groups. */
    static void addTransformer(Instrumentation instrumentation, ClassFileTransformer weaver, String marker) {
        instrumentation.addTransformer(new AtLoad(weaver), false);
        instrumentation.addTransformer(new OnRetransform(weaver, marker.getBytes(StandardCharsets.UTF_8)), true);
    }

    /** Classes as they load (and redefinitions): first among all agents' capable transformers. */
    private static final class AtLoad implements ClassFileTransformer {
        private final ClassFileTransformer weaver;

        AtLoad(ClassFileTransformer weaver) {
            this.weaver = weaver;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws java.lang.instrument.IllegalClassFormatException {
            return weaver.transform(module, loader, className, redefined, domain, classFile);
        }
    }

    /** Retransformations of classes that the load-time weaving did not reach. */
    private static final class OnRetransform implements ClassFileTransformer {
        private final ClassFileTransformer weaver;
        private final byte[] marker;

        OnRetransform(ClassFileTransformer weaver, byte[] marker) {
            this.weaver = weaver;
            this.marker = marker;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                ProtectionDomain domain, byte[] classFile) throws java.lang.instrument.IllegalClassFormatException {
            if (redefined == null || classFile == null || contains(classFile, marker)) {
                return null;
            }
            return weaver.transform(module, loader, className, redefined, domain, classFile);
        }

        private static boolean contains(byte[] bytes, byte[] part) {
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
    }
}
