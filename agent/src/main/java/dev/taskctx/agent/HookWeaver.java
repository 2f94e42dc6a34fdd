package dev.taskctx.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Applies {@link MethodHook}s to one class file with ASM. Only method bodies change (no member is
 * added or removed), so the result is valid for retransformation. The added code is straight-line
 * calls, plus, for an exit hook that also runs on a throw, one exception handler covering the whole
 * original body and registered after the method's own handlers; the stack map frames the class file
 * already has are kept, extended by the one local the agent adds, and the handler gets a frame of
 * its own. Nothing is loaded to compute frames, so weaving never triggers class loading, and nothing
 * is recomputed: the added code needs a known amount of stack on top of what the method used, and
 * methods without hooks are copied as they are.
 */
final class HookWeaver {

    static final String HOOKS = "dev/taskctx/internal/AgentHooks";

    private HookWeaver() {
    }

    /** The class file with the hooks applied, or {@code null} when no method of it matches a hook. */
    static byte[] weave(byte[] classFile, List<MethodHook> hooks) {
        ClassReader reader = new ClassReader(classFile);
        hooks = withFieldsRead(reader, classFile, hooks);
        boolean keeps = false;
        for (MethodHook hook : hooks) {
            keeps |= keeps(hook);
        }
        // Only a kept value changes the existing frames, and only then are they read expanded.
        Map<String, Integer> maxLocals = keeps ? maxLocals(reader, hooks) : Map.of();
        ClassWriter writer = new ClassWriter(reader, 0);
        HookClassVisitor visitor = new HookClassVisitor(writer, hooks, maxLocals, keeps);
        reader.accept(visitor, keeps ? ClassReader.EXPAND_FRAMES : 0);
        return visitor.woven ? writer.toByteArray() : null;
    }

    /** {@code hooks} less those reading a field ({@link MethodHook.Arg#readingField}) this class's own code does not read. */
    private static List<MethodHook> withFieldsRead(ClassReader reader, byte[] classFile, List<MethodHook> hooks) {
        List<MethodHook> usable = null;
        for (int i = 0; i < hooks.size(); i++) {
            MethodHook hook = hooks.get(i);
            boolean fieldsRead = readsItsFields(reader, classFile, hook.enter) && readsItsFields(reader, classFile, hook.exit)
                    && readsItsFields(reader, classFile, hook.filter);
            if (!fieldsRead && usable == null) {
                usable = new ArrayList<>(hooks.subList(0, i));
            } else if (fieldsRead && usable != null) {
                usable.add(hook);
            }
        }
        return usable == null ? hooks : usable;
    }

    private static boolean readsItsFields(ClassReader reader, byte[] classFile, MethodHook.Call call) {
        if (call == null) {
            return true;
        }
        for (MethodHook.Arg arg : call.args) {
            if (arg.readsField && !hasFieldReference(reader, classFile, arg.getterName, arg.getterDescriptor)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the constant pool holds a field reference (of any owner) to {@code name} of type {@code descriptor}. */
    private static boolean hasFieldReference(ClassReader reader, byte[] classFile, String name, String descriptor) {
        char[] buffer = new char[reader.getMaxStringLength()];
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            // The second slot of a long or double constant has no offset.
            if (offset == 0 || classFile[offset - 1] != 9) {
                continue;
            }
            int nameAndType = reader.getItem(reader.readUnsignedShort(offset + 2));
            if (name.equals(reader.readUTF8(nameAndType, buffer))
                    && descriptor.equals(reader.readUTF8(nameAndType + 2, buffer))) {
                return true;
            }
        }
        return false;
    }

    private static boolean keeps(MethodHook hook) {
        return hook.enter != null && hook.enterResult == MethodHook.Result.KEEP;
    }

    /** The {@code max_locals} of each method a keeping hook applies to: the slot for the kept value. */
    private static Map<String, Integer> maxLocals(ClassReader reader, List<MethodHook> hooks) {
        Map<String, Integer> result = new HashMap<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                MethodHook hook = first(hooks, access, name, descriptor);
                if (hook == null || !keeps(hook)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMaxs(int maxStack, int locals) {
                        result.put(name + descriptor, locals);
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return result;
    }

    /**
     * The hook that applies to a method, or {@code null}.
     *
     * @throws IllegalStateException when two hooks apply: the class is refused (and reported) rather
     *         than woven with one of them silently dropped
     */
    static MethodHook first(List<MethodHook> hooks, int access, String name, String descriptor) {
        MethodHook found = null;
        for (MethodHook hook : hooks) {
            if (hook.accepts(access, name, descriptor)) {
                if (found != null) {
                    throw new IllegalStateException("two hooks apply to " + name + descriptor);
                }
                found = hook;
            }
        }
        return found;
    }

    private static final class HookClassVisitor extends ClassVisitor {
        private final List<MethodHook> hooks;
        private final Map<String, Integer> maxLocals;
        private final boolean expandedFrames;
        private String owner;
        private int version;
        boolean woven;

        HookClassVisitor(ClassVisitor next, List<MethodHook> hooks, Map<String, Integer> maxLocals,
                         boolean expandedFrames) {
            super(Opcodes.ASM9, next);
            this.hooks = hooks;
            this.maxLocals = maxLocals;
            this.expandedFrames = expandedFrames;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            this.owner = name;
            this.version = version;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
            MethodHook hook = first(hooks, access, name, descriptor);
            if (hook == null) {
                return next;
            }
            woven = true;
            Integer locals = maxLocals.get(name + descriptor);
            return new HookMethodVisitor(next, hook, owner, version, access, descriptor,
                    locals == null ? -1 : locals, expandedFrames);
        }
    }

    /** The added code of one method; the entry code waits for the first instruction, after the method's own try/catch entries. */
    private static final class HookMethodVisitor extends MethodVisitor {
        private final MethodHook hook;
        private final String owner;
        private final boolean frames;
        private final boolean isStatic;
        private final Type[] parameters;
        private final int[] parameterSlots;
        /** Where the entry hook's result is kept ({@link MethodHook.Result#KEEP}), or -1. */
        private final int keptSlot;
        private final Object keptType;
        /** Where the handler keeps the throwable while the exit hook runs; known at {@link #visitMaxs}. */
        private int thrownSlot;
        private final boolean expandedFrames;
        /** Stack the added code needs on top of what the method itself uses. */
        private final int extraStack;
        private final Label bodyStart = new Label();
        private final Label handler = new Label();
        private final boolean catches;
        private boolean entered;

        HookMethodVisitor(MethodVisitor next, MethodHook hook, String owner, int version, int access,
                          String descriptor, int maxLocals, boolean expandedFrames) {
            super(Opcodes.ASM9, next);
            this.hook = hook;
            this.owner = owner;
            this.frames = (version & 0xFFFF) >= Opcodes.V1_6;
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
            this.parameters = Type.getArgumentTypes(descriptor);
            this.parameterSlots = new int[parameters.length];
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < parameters.length; i++) {
                parameterSlots[i] = slot;
                slot += parameters[i].getSize();
            }
            boolean keeps = keeps(hook);
            this.keptSlot = keeps ? maxLocals : -1;
            this.keptType = keeps ? Type.getReturnType(hook.enter.descriptor).getInternalName() : null;
            this.catches = hook.exit != null && hook.exitOnThrow;
            this.expandedFrames = expandedFrames;
            int extra = 1;
            if (hook.enter != null) {
                extra = Math.max(extra, Math.max(stackOf(hook.enter), Type.getReturnType(hook.enter.descriptor).getSize()));
            }
            if (hook.exit != null) {
                extra = Math.max(extra, stackOf(hook.exit));
            }
            if (hook.filter != null) {
                extra = Math.max(extra, stackOf(hook.filter));
            }
            this.extraStack = extra;
        }

        /** The stack the values of {@code call} take. */
        private int stackOf(MethodHook.Call call) {
            int size = 0;
            for (MethodHook.Arg arg : call.args) {
                size += arg.source == MethodHook.Source.PARAMETER && arg.getterOwner == null
                        ? parameters[parameterIndex(arg)].getSize() : 1;
            }
            return size;
        }

        /** The index of the parameter {@code arg} reads; a negative index counts from the end. */
        private int parameterIndex(MethodHook.Arg arg) {
            return arg.index < 0 ? parameters.length + arg.index : arg.index;
        }

        /** The entry code, emitted once the method's own exception handlers have been visited. */
        private void enter() {
            if (entered) {
                return;
            }
            entered = true;
            if (catches) {
                // Registered after the method's own handlers, so those still catch first.
                super.visitTryCatchBlock(bodyStart, handler, handler, "java/lang/Throwable");
            }
            if (hook.enter != null) {
                call(hook.enter, false);
                Type returned = Type.getReturnType(hook.enter.descriptor);
                switch (hook.enterResult) {
                    case REPLACE_PARAMETER:
                        int replaced = parameterIndex(hook.enter.args.get(0));
                        if (!returned.equals(parameters[replaced])) {
                            super.visitTypeInsn(Opcodes.CHECKCAST, parameters[replaced].getInternalName());
                        }
                        super.visitVarInsn(Opcodes.ASTORE, parameterSlots[replaced]);
                        break;
                    case KEEP:
                        super.visitVarInsn(Opcodes.ASTORE, keptSlot);
                        break;
                    default:
                        if (returned.getSize() == 1) {
                            super.visitInsn(Opcodes.POP);
                        } else if (returned.getSize() == 2) {
                            super.visitInsn(Opcodes.POP2);
                        }
                }
            }
            super.visitLabel(bodyStart);
        }

        /** Pushes the values {@code call} takes and calls it. */
        private void call(MethodHook.Call call, boolean inHandler) {
            for (MethodHook.Arg arg : call.args) {
                switch (arg.source) {
                    case THIS:
                        super.visitVarInsn(Opcodes.ALOAD, 0);
                        break;
                    case PARAMETER:
                        int index = parameterIndex(arg);
                        super.visitVarInsn(parameters[index].getOpcode(Opcodes.ILOAD), parameterSlots[index]);
                        break;
                    case KEPT:
                        super.visitVarInsn(Opcodes.ALOAD, keptSlot);
                        break;
                    case THROWN:
                        if (inHandler) {
                            super.visitVarInsn(Opcodes.ALOAD, thrownSlot);
                        } else {
                            super.visitInsn(Opcodes.ACONST_NULL);
                        }
                        break;
                    case NULL:
                        super.visitInsn(Opcodes.ACONST_NULL);
                        break;
                    case OWN_CLASS:
                        super.visitLdcInsn(Type.getObjectType(owner));
                        break;
                    case RESULT:
                        // already on the stack
                        break;
                    default:
                        throw new IllegalStateException(arg.source.name());
                }
                if (arg.readsField) {
                    super.visitFieldInsn(Opcodes.GETFIELD, arg.getterOwner, arg.getterName, arg.getterDescriptor);
                } else if (arg.getterOwner != null) {
                    super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, arg.getterOwner, arg.getterName, arg.getterDescriptor, false);
                }
            }
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, call.name, call.descriptor, false);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            enter();
            if (keptSlot < 0) {
                super.visitFrame(type, numLocal, local, numStack, stack);
                return;
            }
            List<Object> locals = new ArrayList<>();
            int slots = 0;
            for (int i = 0; i < numLocal; i++) {
                locals.add(local[i]);
                slots += local[i] == Opcodes.LONG || local[i] == Opcodes.DOUBLE ? 2 : 1;
            }
            while (slots < keptSlot) {
                locals.add(Opcodes.TOP);
                slots++;
            }
            if (slots == keptSlot) {
                locals.add(keptType);
            }
            super.visitFrame(type, locals.size(), locals.toArray(), numStack, stack);
        }

        @Override
        public void visitLabel(Label label) {
            enter();
            super.visitLabel(label);
        }

        @Override
        public void visitLineNumber(int line, Label start) {
            enter();
            super.visitLineNumber(line, start);
        }

        @Override
        public void visitInsn(int opcode) {
            enter();
            if (hook.exit != null && opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
                call(hook.exit, false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            enter();
            super.visitIntInsn(opcode, operand);
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            enter();
            super.visitVarInsn(opcode, varIndex);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            enter();
            super.visitTypeInsn(opcode, type);
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String name, String descriptor) {
            enter();
            super.visitFieldInsn(opcode, fieldOwner, name, descriptor);
        }

        @Override
        public void visitMethodInsn(int opcode, String callOwner, String name, String descriptor, boolean isInterface) {
            enter();
            if (hook.redirectOwner != null
                    && (opcode == Opcodes.INVOKEINTERFACE || opcode == Opcodes.INVOKEVIRTUAL)
                    && callOwner.equals(hook.redirectOwner) && name.equals(hook.redirectName)
                    && descriptor.equals("()V")) {
                // Same stack shape: the receiver in, nothing out.
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, hook.redirectTarget,
                        "(L" + hook.redirectOwner + ";)V", false);
                return;
            }
            super.visitMethodInsn(opcode, callOwner, name, descriptor, isInterface);
            if (hook.filter != null && descriptor.endsWith(")" + hook.filteredReturn)) {
                call(hook.filter, false);
            }
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            enter();
            super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            enter();
            super.visitJumpInsn(opcode, label);
        }

        @Override
        public void visitLdcInsn(Object value) {
            enter();
            super.visitLdcInsn(value);
        }

        @Override
        public void visitIincInsn(int varIndex, int increment) {
            enter();
            super.visitIincInsn(varIndex, increment);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            enter();
            super.visitTableSwitchInsn(min, max, dflt, labels);
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            enter();
            super.visitLookupSwitchInsn(dflt, keys, labels);
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            enter();
            super.visitMultiANewArrayInsn(descriptor, numDimensions);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            enter();
            int locals = Math.max(maxLocals, keptSlot + 1);
            if (catches) {
                // The handler: run the exit hook with the throwable, then rethrow it unchanged.
                thrownSlot = locals;
                locals++;
                super.visitLabel(handler);
                if (frames) {
                    Object[] frameLocals = handlerLocals();
                    super.visitFrame(expandedFrames ? Opcodes.F_NEW : Opcodes.F_FULL, frameLocals.length, frameLocals,
                            1, new Object[] {"java/lang/Throwable"});
                }
                super.visitVarInsn(Opcodes.ASTORE, thrownSlot);
                call(hook.exit, true);
                super.visitVarInsn(Opcodes.ALOAD, thrownSlot);
                super.visitInsn(Opcodes.ATHROW);
            }
            super.visitMaxs(maxStack + extraStack, locals);
        }

        /**
         * The handler's locals: only the slots its exit hook reads (others are TOP), so the frame holds
         * at every instruction of the body whatever else the body stores in its locals.
         */
        private Object[] handlerLocals() {
            int slotCount = Math.max(thrownSlot, 0);
            Object[] bySlot = new Object[slotCount];
            for (MethodHook.Arg arg : hook.exit.args) {
                switch (arg.source) {
                    case THIS:
                        bySlot[0] = owner;
                        break;
                    case PARAMETER:
                        int index = parameterIndex(arg);
                        bySlot[parameterSlots[index]] = frameType(parameters[index]);
                        break;
                    case KEPT:
                        bySlot[keptSlot] = keptType;
                        break;
                    default:
                        break;
                }
            }
            int last = -1;
            for (int i = 0; i < slotCount; i++) {
                if (bySlot[i] != null) {
                    last = i;
                }
            }
            List<Object> locals = new ArrayList<>();
            for (int i = 0; i <= last; i++) {
                Object type = bySlot[i] == null ? Opcodes.TOP : bySlot[i];
                locals.add(type);
                if (type == Opcodes.LONG || type == Opcodes.DOUBLE) {
                    i++;
                }
            }
            return locals.toArray();
        }

        private static Object frameType(Type type) {
            switch (type.getSort()) {
                case Type.BOOLEAN:
                case Type.CHAR:
                case Type.BYTE:
                case Type.SHORT:
                case Type.INT:
                    return Opcodes.INTEGER;
                case Type.FLOAT:
                    return Opcodes.FLOAT;
                case Type.LONG:
                    return Opcodes.LONG;
                case Type.DOUBLE:
                    return Opcodes.DOUBLE;
                case Type.ARRAY:
                    return type.getDescriptor();
                default:
                    return type.getInternalName();
            }
        }
    }
}
