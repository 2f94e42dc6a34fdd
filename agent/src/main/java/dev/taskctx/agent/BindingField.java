package dev.taskctx.agent;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A binding field the agent adds to a task class as it loads (never to a loaded class: a
 * retransformation cannot add members): the carrier interface of the api, a private volatile field,
 * its getter, a compare-and-set through a {@code VarHandle} the class's static initializer looks up,
 * and nothing else. The added code is straight-line, so no stack map frame changes. A class whose
 * file already declares the interface (a redefinition of a class woven so) is left as it is.
 */
final class BindingField {

    static final BindingField TASK = new BindingField("dev/taskctx/internal/TaskBindingCarrier",
            "taskctx$taskBinding", "taskctx$casTaskBinding", "taskctx$TASK_BINDING");
    static final BindingField COMPLETION = new BindingField("dev/taskctx/internal/CompletionBindingCarrier",
            "taskctx$completionBinding", "taskctx$casCompletionBinding", "taskctx$COMPLETION_BINDING");
    /** Not a binding: the state of a virtual thread, in its continuation (api {@code VirtualThreadStates}). */
    static final BindingField THREAD_STATE = new BindingField("dev/taskctx/internal/ThreadStateCarrier",
            "taskctx$threadState", "taskctx$casThreadState", "taskctx$THREAD_STATE");

    private static final String HANDLES = "dev/taskctx/internal/BindingHandles";
    private static final String VAR_HANDLE = "Ljava/lang/invoke/VarHandle;";
    private static final String LOOKUP = "Ljava/lang/invoke/MethodHandles$Lookup;";
    private static final String OBJECT = "Ljava/lang/Object;";

    final String carrier;
    /** The field and its getter share the name. */
    private final String field;
    private final String compareAndSet;
    private final String handle;

    private BindingField(String carrier, String field, String compareAndSet, String handle) {
        this.carrier = carrier;
        this.field = field;
        this.compareAndSet = compareAndSet;
        this.handle = handle;
    }

    /** The binary name of the carrier interface. */
    String carrierClassName() {
        return carrier.replace('/', '.');
    }

    /** Whether the loaded class {@code type} was given this field when it loaded. */
    boolean declaredBy(Class<?> type) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (implemented.getName().equals(carrierClassName())) {
                return true;
            }
        }
        return false;
    }

    /** {@code classFile} with {@code fields} added, or {@code null} when it declares them all already. */
    static byte[] add(byte[] classFile, List<BindingField> fields) {
        ClassReader reader = new ClassReader(classFile);
        List<String> declared = List.of(reader.getInterfaces());
        List<BindingField> missing = new ArrayList<>();
        for (BindingField field : fields) {
            if (!declared.contains(field.carrier)) {
                missing.add(field);
            }
        }
        if (missing.isEmpty()) {
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new Adder(writer, reader.getClassName(), missing), 0);
        return writer.toByteArray();
    }

    private static final class Adder extends ClassVisitor {
        private final String owner;
        private final List<BindingField> fields;
        private boolean initializerSeen;

        Adder(ClassVisitor next, String owner, List<BindingField> fields) {
            super(Opcodes.ASM9, next);
            this.owner = owner;
            this.fields = fields;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            String[] extended = new String[interfaces.length + fields.size()];
            System.arraycopy(interfaces, 0, extended, 0, interfaces.length);
            for (int i = 0; i < fields.size(); i++) {
                extended[interfaces.length + i] = fields.get(i).carrier;
            }
            super.visit(version, access, name, signature, superName, extended);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
            if (!name.equals("<clinit>")) {
                return method;
            }
            initializerSeen = true;
            return new MethodVisitor(Opcodes.ASM9, method) {
                @Override
                public void visitCode() {
                    super.visitCode();
                    initializeHandles(mv);
                }

                @Override
                public void visitMaxs(int maxStack, int maxLocals) {
                    super.visitMaxs(Math.max(maxStack, 2), maxLocals);
                }
            };
        }

        @Override
        public void visitEnd() {
            if (!initializerSeen) {
                MethodVisitor initializer = super.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
                initializer.visitCode();
                initializeHandles(initializer);
                initializer.visitInsn(Opcodes.RETURN);
                initializer.visitMaxs(2, 0);
                initializer.visitEnd();
            }
            for (BindingField field : fields) {
                field.addMembers(cv, owner);
            }
            super.visitEnd();
        }

        private void initializeHandles(MethodVisitor method) {
            for (BindingField field : fields) {
                method.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup",
                        "()" + LOOKUP, false);
                method.visitLdcInsn(field.field);
                method.visitMethodInsn(Opcodes.INVOKESTATIC, HANDLES, "of",
                        "(" + LOOKUP + "Ljava/lang/String;)" + VAR_HANDLE, false);
                method.visitFieldInsn(Opcodes.PUTSTATIC, owner, field.handle, VAR_HANDLE);
            }
        }
    }

    private void addMembers(ClassVisitor target, String owner) {
        target.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_TRANSIENT | Opcodes.ACC_VOLATILE | Opcodes.ACC_SYNTHETIC,
                field, OBJECT, null, null).visitEnd();
        target.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC,
                handle, VAR_HANDLE, null, null).visitEnd();

        MethodVisitor getter = target.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC,
                field, "()" + OBJECT, null, null);
        getter.visitCode();
        getter.visitVarInsn(Opcodes.ALOAD, 0);
        getter.visitFieldInsn(Opcodes.GETFIELD, owner, field, OBJECT);
        getter.visitInsn(Opcodes.ARETURN);
        getter.visitMaxs(1, 1);
        getter.visitEnd();

        MethodVisitor cas = target.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC,
                compareAndSet, "(" + OBJECT + OBJECT + ")Z", null, null);
        cas.visitCode();
        cas.visitFieldInsn(Opcodes.GETSTATIC, owner, handle, VAR_HANDLE);
        cas.visitVarInsn(Opcodes.ALOAD, 0);
        cas.visitVarInsn(Opcodes.ALOAD, 1);
        cas.visitVarInsn(Opcodes.ALOAD, 2);
        // The receiver is typed Object: a hidden class (a lambda's) cannot name itself in a descriptor.
        // The handle's guard compares erased types, so the call takes the same fast path either way.
        cas.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/invoke/VarHandle", "compareAndSet",
                "(" + OBJECT + OBJECT + OBJECT + ")Z", false);
        cas.visitInsn(Opcodes.IRETURN);
        cas.visitMaxs(4, 3);
        cas.visitEnd();
    }
}
