package dev.taskctx.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;

/**
 * Which application hooks could apply to a class, judged from the methods its class file declares,
 * before any super type is read. A hook weaves only a method the class declares itself (an inherited
 * {@code execute} is woven in the class that declares it, as that class loads), so a class that
 * declares none of the hooked methods needs no look at its super types, whatever they are; most
 * classes of an application are such classes. The method table is read in place: only a method whose
 * name has the bytes of a hooked method's name is decoded and matched as {@link HookWeaver} matches it.
 */
final class DeclaredMethods {

    private final List<MethodHook> threadHooks;
    private final List<MethodHook> executorHooks;
    /** The distinct names of all those hooks, as class-file bytes (ASCII). */
    private final byte[][] names;

    DeclaredMethods(WeavingPlan plan) {
        this.threadHooks = plan.applicationThreads;
        this.executorHooks = new ArrayList<>(plan.applicationExecutors);
        executorHooks.addAll(plan.applicationScheduledExecutors);
        List<byte[]> distinct = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (List<MethodHook> hooks : List.of(threadHooks, executorHooks)) {
            for (MethodHook hook : hooks) {
                if (!seen.contains(hook.methodName)) {
                    seen.add(hook.methodName);
                    distinct.add(hook.methodName.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        this.names = distinct.toArray(new byte[0][]);
    }

    /**
     * The super types that would decide whether the class needs weaving: {@link SuperTypes#THREAD}
     * when it declares a method a thread hook applies to, {@link SuperTypes#EXECUTOR} when it declares
     * one an executor or scheduler hook applies to; 0 when it declares neither, and nothing decides.
     *
     * @param reader the class file {@code classFile}, read from offset 0
     */
    int wanted(ClassReader reader, byte[] classFile) {
        int offset = reader.header;
        // access_flags, this_class, super_class, interfaces_count, interfaces
        offset += 8 + 2 * reader.readUnsignedShort(offset + 6);
        int fields = reader.readUnsignedShort(offset);
        offset += 2;
        for (int i = 0; i < fields; i++) {
            offset = skipMember(reader, offset);
        }
        int methods = reader.readUnsignedShort(offset);
        offset += 2;
        int wanted = 0;
        char[] buffer = null;
        for (int i = 0; i < methods; i++) {
            int nameIndex = reader.readUnsignedShort(offset + 2);
            if (isHookedName(reader, classFile, nameIndex)) {
                if (buffer == null) {
                    buffer = new char[reader.getMaxStringLength()];
                }
                int access = reader.readUnsignedShort(offset);
                String name = reader.readUTF8(offset + 2, buffer);
                String descriptor = reader.readUTF8(offset + 4, buffer);
                if (accepts(threadHooks, access, name, descriptor)) {
                    wanted |= SuperTypes.THREAD;
                }
                if (accepts(executorHooks, access, name, descriptor)) {
                    wanted |= SuperTypes.EXECUTOR;
                }
            }
            offset = skipMember(reader, offset);
        }
        return wanted;
    }

    /** Whether the {@code CONSTANT_Utf8} at {@code index} is one of the hooked methods' names. */
    private boolean isHookedName(ClassReader reader, byte[] classFile, int index) {
        int at = reader.getItem(index);
        int length = reader.readUnsignedShort(at);
        for (byte[] name : names) {
            if (name.length == length && equalBytes(classFile, at + 2, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalBytes(byte[] classFile, int from, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (classFile[from + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean accepts(List<MethodHook> hooks, int access, String name, String descriptor) {
        for (MethodHook hook : hooks) {
            if (hook.accepts(access, name, descriptor)) {
                return true;
            }
        }
        return false;
    }

    /** The offset after the {@code field_info} or {@code method_info} at {@code offset}. */
    private static int skipMember(ClassReader reader, int offset) {
        int attributes = reader.readUnsignedShort(offset + 6);
        offset += 8;
        for (int i = 0; i < attributes; i++) {
            offset += 6 + reader.readInt(offset + 2);
        }
        return offset;
    }
}
