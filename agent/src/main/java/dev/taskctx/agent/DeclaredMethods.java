package dev.taskctx.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * Which application hooks could apply to a class, judged from the methods its class file declares,
 * before any super type is read. A hook weaves only a method the class declares itself (an inherited
 * {@code execute} is woven in the class that declares it, as that class loads), so a class that
 * declares none of the hooked methods needs no look at its super types, whatever they are; most
 * classes of an application are such classes. The method table is read in place: only a method whose
 * name has the bytes of a hooked method's name is decoded and matched as {@link HookWeaver} matches it.
 *
 * <p>{@link #mayDeclare} answers first, from the raw class file: it walks the constant pool once,
 * without the offset and string tables {@code new ClassReader} allocates for every class, and most
 * classes have no constant with a hooked method's name at all.
 */
final class DeclaredMethods {

    private final List<MethodHook> threadHooks;
    private final List<MethodHook> executorHooks;
    /** The distinct names of all those hooks, as class-file bytes (ASCII). */
    private final byte[][] names;
    /** Bit n set when a name is n bytes long (n < 64): most constants are ruled out by their length alone. */
    private final long lengths;

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
        long mask = 0;
        for (byte[] name : names) {
            mask |= name.length < 64 ? 1L << name.length : 0;
        }
        this.lengths = mask;
    }

    /**
     * Whether the class file {@code classFile} may declare a method with a hooked method's name in a
     * class (not an interface): {@code false} only when it certainly does not. Walks the constant pool
     * without allocating; a class file it cannot follow is left to {@link ClassReader} ({@code true}).
     */
    boolean mayDeclare(byte[] classFile) {
        try {
            int count = readUnsignedShort(classFile, 8);
            int offset = 10;
            // Constant-pool indices of the UTF-8 constants that spell a hooked name: rarely more than one.
            int first = 0;
            int more = 0;
            for (int index = 1; index < count; index++) {
                switch (classFile[offset]) {
                    case 1: // Utf8
                        int length = readUnsignedShort(classFile, offset + 1);
                        if (isHookedName(classFile, offset + 1, length)) {
                            if (first == 0) {
                                first = index;
                            } else {
                                more++;
                            }
                        }
                        offset += 3 + length;
                        break;
                    case 7: // Class
                    case 8: // String
                    case 16: // MethodType
                    case 19: // Module
                    case 20: // Package
                        offset += 3;
                        break;
                    case 15: // MethodHandle
                        offset += 4;
                        break;
                    case 3: // Integer
                    case 4: // Float
                    case 9: // Fieldref
                    case 10: // Methodref
                    case 11: // InterfaceMethodref
                    case 12: // NameAndType
                    case 17: // Dynamic
                    case 18: // InvokeDynamic
                        offset += 5;
                        break;
                    case 5: // Long
                    case 6: // Double
                        offset += 9;
                        index++;
                        break;
                    default:
                        return true;
                }
            }
            if (first == 0 || (readUnsignedShort(classFile, offset) & Opcodes.ACC_INTERFACE) != 0) {
                return false;
            }
            if (more > 0) {
                return true;
            }
            offset = methodsCount(classFile, offset);
            int methods = readUnsignedShort(classFile, offset);
            offset += 2;
            for (int i = 0; i < methods; i++) {
                if (readUnsignedShort(classFile, offset + 2) == first) {
                    return true;
                }
                offset = skipMember(classFile, offset);
            }
            return false;
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return true;
        }
    }

    /** Whether the {@code length} bytes after the length at {@code at} spell one of the hooked methods' names. */
    private boolean isHookedName(byte[] classFile, int at, int length) {
        if (length < 64 && (lengths & (1L << length)) == 0) {
            return false;
        }
        for (byte[] name : names) {
            if (name.length == length && equalBytes(classFile, at + 2, name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The super types that would decide whether the class needs weaving: {@link SuperTypes#THREAD}
     * when it declares a method a thread hook applies to, {@link SuperTypes#EXECUTOR} when it declares
     * one an executor or scheduler hook applies to; 0 when it declares neither, and nothing decides.
     *
     * @param reader the class file {@code classFile}, read from offset 0
     */
    int wanted(ClassReader reader, byte[] classFile) {
        int offset = methodsCount(classFile, reader.header);
        int methods = reader.readUnsignedShort(offset);
        offset += 2;
        int wanted = 0;
        char[] buffer = null;
        for (int i = 0; i < methods; i++) {
            int nameIndex = reader.readUnsignedShort(offset + 2);
            int at = reader.getItem(nameIndex);
            if (isHookedName(classFile, at, reader.readUnsignedShort(at))) {
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
            offset = skipMember(classFile, offset);
        }
        return wanted;
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

    /** The offset of {@code methods_count}, given that of {@code access_flags} (the first byte after the constant pool). */
    private static int methodsCount(byte[] classFile, int header) {
        // access_flags, this_class, super_class, interfaces_count, interfaces
        int offset = header + 8 + 2 * readUnsignedShort(classFile, header + 6);
        int fields = readUnsignedShort(classFile, offset);
        offset += 2;
        for (int i = 0; i < fields; i++) {
            offset = skipMember(classFile, offset);
        }
        return offset;
    }

    /** The offset after the {@code field_info} or {@code method_info} at {@code offset}. */
    private static int skipMember(byte[] classFile, int offset) {
        int attributes = readUnsignedShort(classFile, offset + 6);
        offset += 8;
        for (int i = 0; i < attributes; i++) {
            offset += 6 + readInt(classFile, offset + 2);
        }
        return offset;
    }

    private static int readUnsignedShort(byte[] classFile, int offset) {
        return ((classFile[offset] & 0xFF) << 8) | (classFile[offset + 1] & 0xFF);
    }

    private static int readInt(byte[] classFile, int offset) {
        return ((classFile[offset] & 0xFF) << 24) | ((classFile[offset + 1] & 0xFF) << 16)
                | ((classFile[offset + 2] & 0xFF) << 8) | (classFile[offset + 3] & 0xFF);
    }
}
