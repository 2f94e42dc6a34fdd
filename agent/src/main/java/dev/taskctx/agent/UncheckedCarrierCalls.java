package dev.taskctx.agent;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The api's {@code dev.taskctx.internal.CarrierCalls} without its casts to the carrier interfaces
 * (see that class for why): each method loads the task and calls the interface method on it, which
 * the JVM checks by itself at the call. Woven whenever binding fields are on ({@code fields},
 * {@code lambdafields}); the class lives on the bootstrap class path with the rest of the core.
 */
final class UncheckedCarrierCalls {

    static final String CLASS_NAME = "dev/taskctx/internal/CarrierCalls";

    private UncheckedCarrierCalls() {
    }

    /** {@code classFile} of {@code CarrierCalls} with no cast to a carrier interface left. */
    static byte[] weave(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitTypeInsn(int opcode, String type) {
                        if (opcode == Opcodes.CHECKCAST && isCarrier(type)) {
                            return;
                        }
                        super.visitTypeInsn(opcode, type);
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }

    private static boolean isCarrier(String type) {
        return type.equals(BindingField.TASK.carrier) || type.equals(BindingField.COMPLETION.carrier);
    }
}
