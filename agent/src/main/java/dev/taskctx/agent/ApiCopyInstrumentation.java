package dev.taskctx.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Copies of the api (agent option {@code apicopies}): a {@code dev.taskctx.TaskContext} defined by a
 * class loader other than the bootstrap one (a module on the module path, a child-first loader's jar,
 * the application's own copy loaded before a late attach) gets the bodies of its public methods
 * replaced by calls to {@code dev.taskctx.bootstrap.ApiCopyBridge}, which acts on the bootstrap copy
 * that the instrumented JDK code uses; so do {@code Snapshot.run/call/wrap}, and the copy's second-copy
 * warning is dropped. Only method bodies change, so copies loaded before the agent are retransformed
 * the same way. A copy whose shape is not this version's ({@code Snapshot(Map, boolean)} and its
 * {@code values} field), or whose loader cannot see the bridge, is left alone and keeps warning.
 */
final class ApiCopyInstrumentation implements ClassFileTransformer {

    private static final String BRIDGE = "dev/taskctx/bootstrap/ApiCopyBridge";
    private static final String TASK_CONTEXT = "dev/taskctx/TaskContext";
    private static final String SNAPSHOT = "dev/taskctx/Snapshot";
    private static final String WARNINGS = "dev/taskctx/PropagationWarnings";
    private static final String ACCESSOR = "dev/taskctx/CarriedThreadLocal";
    private static final String MAP = "Ljava/util/Map;";

    /** One method of a copy whose body becomes a call of the bridge method with the same name. */
    private static final class Replacement {
        final String name;
        final String descriptor;
        final String bridgeDescriptor;
        /** Passes the copy snapshot's {@code values} before the parameters. */
        final boolean values;
        /** Passes this class constant after the parameters, or null. */
        final String typeArgument;

        Replacement(String name, String descriptor, String bridgeDescriptor, boolean values, String typeArgument) {
            this.name = name;
            this.descriptor = descriptor;
            this.bridgeDescriptor = bridgeDescriptor;
            this.values = values;
            this.typeArgument = typeArgument;
        }

        static Replacement same(String name, String descriptor) {
            return new Replacement(name, descriptor, descriptor, false, null);
        }
    }

    private static final List<Replacement> TASK_CONTEXT_METHODS = List.of(
            Replacement.same("get", "(Ljava/lang/String;)Ljava/lang/Object;"),
            Replacement.same("get", "(Ljava/lang/String;Ljava/lang/Object;)Ljava/lang/Object;"),
            Replacement.same("set", "(Ljava/lang/String;Ljava/lang/Object;)V"),
            Replacement.same("remove", "(Ljava/lang/String;)V"),
            Replacement.same("clear", "()V"),
            Replacement.same("asMap", "()Ljava/util/Map;"),
            Replacement.same("agentActive", "()Z"),
            Replacement.same("runShared", "(Ljava/lang/Runnable;)V"),
            Replacement.same("callShared", "(Ljava/util/concurrent/Callable;)Ljava/lang/Object;"),
            new Replacement("capture", "()L" + SNAPSHOT + ";", "(Ljava/lang/Class;)Ljava/lang/Object;", false, SNAPSHOT),
            new Replacement("register", "(L" + ACCESSOR + ";)V", "(Ljava/lang/Object;Ljava/lang/Class;)V", false, ACCESSOR),
            new Replacement("unregister", "(L" + ACCESSOR + ";)V", "(Ljava/lang/Object;Ljava/lang/Class;)V", false, ACCESSOR));

    private static final List<Replacement> SNAPSHOT_METHODS = List.of(
            new Replacement("run", "(Ljava/lang/Runnable;)V", "(" + MAP + "Ljava/lang/Runnable;)V", true, null),
            new Replacement("call", "(Ljava/util/concurrent/Callable;)Ljava/lang/Object;",
                    "(" + MAP + "Ljava/util/concurrent/Callable;)Ljava/lang/Object;", true, null),
            new Replacement("wrap", "(Ljava/lang/Runnable;)Ljava/lang/Runnable;",
                    "(" + MAP + "Ljava/lang/Runnable;)Ljava/lang/Runnable;", true, null),
            new Replacement("wrap", "(Ljava/util/concurrent/Callable;)Ljava/util/concurrent/Callable;",
                    "(" + MAP + "Ljava/util/concurrent/Callable;)Ljava/util/concurrent/Callable;", true, null));

    /** The second-copy warning: a joined copy is no second copy. */
    private static final String CHECK_SECOND_COPY = "checkSecondCopy";

    private final Instrumentation instrumentation;
    private final boolean debug;
    private final Module bootstrapModule = dev.taskctx.TaskContext.class.getModule();

    private ApiCopyInstrumentation(Instrumentation instrumentation, boolean debug) {
        this.instrumentation = instrumentation;
        this.debug = debug;
    }

    /**
     * Registers the transformer and joins the copies that were loaded before the agent (a late attach).
     * It is retransformation-capable only if there are such copies to retransform: a capable
     * transformer costs the JVM a second copy of every loading class's bytes (see
     * {@link TransformerOrder}), and a copy woven as it loads keeps its woven bytes under any later
     * retransformation.
     */
    static void install(Instrumentation instrumentation, boolean debug) {
        ApiCopyInstrumentation copies = new ApiCopyInstrumentation(instrumentation, debug);
        instrumentation.addTransformer(copies, false);
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            if (type.getClassLoader() != null && isApiClass(type.getName().replace('.', '/'))
                    && instrumentation.isModifiableClass(type)) {
                loaded.add(type);
            }
        }
        if (!loaded.isEmpty()) {
            // Capable before the incapable registration goes, so that no copy loads unseen in between (one that
            // loads then is woven twice, to the same bytes).
            instrumentation.addTransformer(copies, true);
            instrumentation.removeTransformer(copies);
            try {
                instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
            } catch (Throwable error) {
                System.err.println("taskctx: could not join the taskctx api loaded before the agent (" + error
                        + "); values set through it stay thread-local");
            }
        }
    }

    private static boolean isApiClass(String className) {
        return className.equals(TASK_CONTEXT) || className.equals(SNAPSHOT) || className.equals(WARNINGS);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] classFile) {
        if (loader == null || className == null || classFile == null || !isApiClass(className)) {
            return null;
        }
        try {
            if (!joinable(loader)) {
                return null;
            }
            if (module != null && module.isNamed()) {
                // The copy's woven code calls the bridge in the bootstrap loader's unnamed module, and the bridge
                // builds the copy's snapshots through their private constructor.
                instrumentation.redefineModule(module, Set.of(bootstrapModule), Map.of(),
                        Map.of("dev.taskctx", Set.of(bootstrapModule)), Set.of(), Map.of());
            }
            byte[] woven = weave(classFile, className);
            if (debug) {
                System.err.println("taskctx: joined " + className.replace('/', '.') + " loaded by " + loader
                        + " to the agent's copy");
            }
            return woven;
        } catch (Throwable error) {
            System.err.println("taskctx: could not join " + className.replace('/', '.') + " loaded by " + loader
                    + " to the agent's copy (" + error + "); values set through it stay in that copy");
            return null;
        }
    }

    /** Whether the copy in {@code loader} has this version's snapshot and the loader reaches the bridge. */
    private static boolean joinable(ClassLoader loader) {
        if (!Privileged.servesClassFile(loader, BRIDGE)) {
            // An OSGi bundle without boot delegation for dev.taskctx.bootstrap, for one.
            return false;
        }
        byte[] snapshot;
        try {
            snapshot = Privileged.classFile(SNAPSHOT, loader, false);
        } catch (SuperTypes.UnreadableTypeException unreadable) {
            return false;
        }
        boolean[] found = new boolean[2];
        new ClassReader(snapshot).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                if (name.equals("values") && descriptor.equals(MAP) && (access & Opcodes.ACC_STATIC) == 0) {
                    found[0] = true;
                }
                return null;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if (name.equals("<init>") && descriptor.equals("(" + MAP + "Z)V")) {
                    found[1] = true;
                }
                return null;
            }
        }, ClassReader.SKIP_CODE);
        return found[0] && found[1];
    }

    private static byte[] weave(byte[] classFile, String className) {
        ClassReader reader = new ClassReader(classFile);
        // Only replaced bodies need their maxima computed: straight-line code, no frames, no class loading.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    return method;
                }
                if (className.equals(WARNINGS)) {
                    if (name.equals(CHECK_SECOND_COPY) && (access & Opcodes.ACC_STATIC) != 0) {
                        method.visitCode();
                        method.visitInsn(Opcodes.RETURN);
                        method.visitMaxs(0, 0);
                        method.visitEnd();
                        return null;
                    }
                    return method;
                }
                for (Replacement replacement : className.equals(TASK_CONTEXT) ? TASK_CONTEXT_METHODS : SNAPSHOT_METHODS) {
                    if (replacement.name.equals(name) && replacement.descriptor.equals(descriptor)
                            && ((access & Opcodes.ACC_STATIC) != 0) != replacement.values) {
                        replaceBody(method, className, replacement);
                        return null;
                    }
                }
                return method;
            }
        }, 0);
        return writer.toByteArray();
    }

    /** The method becomes {@code return ApiCopyBridge.<name>([this.values,] parameters... [, Type.class])}. */
    private static void replaceBody(MethodVisitor method, String owner, Replacement replacement) {
        method.visitCode();
        int slot = 0;
        if (replacement.values) {
            method.visitVarInsn(Opcodes.ALOAD, 0);
            method.visitFieldInsn(Opcodes.GETFIELD, owner, "values", MAP);
            slot = 1;
        }
        for (Type parameter : Type.getArgumentTypes(replacement.descriptor)) {
            method.visitVarInsn(parameter.getOpcode(Opcodes.ILOAD), slot);
            slot += parameter.getSize();
        }
        if (replacement.typeArgument != null) {
            method.visitLdcInsn(Type.getObjectType(replacement.typeArgument));
        }
        method.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, replacement.name, replacement.bridgeDescriptor, false);
        Type returned = Type.getReturnType(replacement.descriptor);
        if (returned.getSort() == Type.OBJECT
                && !returned.equals(Type.getReturnType(replacement.bridgeDescriptor))) {
            method.visitTypeInsn(Opcodes.CHECKCAST, returned.getInternalName());
        }
        method.visitInsn(returned.getOpcode(Opcodes.IRETURN));
        method.visitMaxs(0, 0);
        method.visitEnd();
    }
}
