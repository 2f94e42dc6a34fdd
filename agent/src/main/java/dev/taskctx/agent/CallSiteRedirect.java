package dev.taskctx.agent;

import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Replaces, inside chosen methods, a call such as {@code task.run()} by a static call that takes the
 * receiver as its only argument. Used where a pool runs a task in the middle of its own loop
 * ({@code ThreadPoolExecutor.runWorker}, {@code TimerThread.mainLoop}): the task object itself reaches
 * {@code beforeExecute}, {@code afterExecute} and the queue, and only the call is surrounded.
 * The stack shape is unchanged (receiver in, nothing out), so no frames need recomputing.
 */
final class CallSiteRedirect {

    private CallSiteRedirect() {
    }

    /**
     * In the methods matching {@code where}, redirects no-argument void calls of
     * {@code owner.name} to the static {@code target(owner)} on {@code targetOwner}.
     */
    static AsmVisitorWrapper redirect(ElementMatcher<? super MethodDescription> where,
                                      Class<?> owner, String name, Class<?> targetOwner, String target) {
        String ownerName = owner.getName().replace('.', '/');
        String targetOwnerName = targetOwner.getName().replace('.', '/');
        String targetDescriptor = "(L" + ownerName + ";)V";
        return new AsmVisitorWrapper.ForDeclaredMethods().method(where,
                (TypeDescription instrumentedType, MethodDescription instrumentedMethod, MethodVisitor visitor,
                 net.bytebuddy.implementation.Implementation.Context context,
                 net.bytebuddy.pool.TypePool typePool, int writerFlags, int readerFlags) ->
                        new MethodVisitor(Opcodes.ASM9, visitor) {
                            @Override
                            public void visitMethodInsn(int opcode, String callOwner, String callName,
                                                        String descriptor, boolean isInterface) {
                                if ((opcode == Opcodes.INVOKEINTERFACE || opcode == Opcodes.INVOKEVIRTUAL)
                                        && callOwner.equals(ownerName) && callName.equals(name)
                                        && descriptor.equals("()V")) {
                                    super.visitMethodInsn(Opcodes.INVOKESTATIC, targetOwnerName, target,
                                            targetDescriptor, false);
                                } else {
                                    super.visitMethodInsn(opcode, callOwner, callName, descriptor, isInterface);
                                }
                            }
                        });
    }
}
