package dev.taskctx.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build step (run by the agent's antrun execution, not part of the agent): copies a jar, giving every
 * class file under a prefix whose version predates stack map frames (ASM's own classes are Java 5
 * class files) version 52 and computed frames. The JVM verifies the classes of the agent's own
 * loader; a class file without frames goes to the old type-inferencing verifier, which took about
 * half of the agent's start-up weaving of {@code java.lang.Thread}; one with frames is checked by
 * the split verifier. Nothing else in a class changes.
 *
 * <p>Arguments: the input jar, the output jar, the prefix of the entries to convert.
 */
public final class FramedClasses {

    private FramedClasses() {
    }

    public static void main(String[] args) throws IOException {
        Path input = Path.of(args[0]);
        Path output = Path.of(args[1]);
        String prefix = args[2];
        int converted = 0;
        try (ZipFile jar = new ZipFile(input.toFile());
             URLClassLoader classes = new URLClassLoader(new URL[] {input.toUri().toURL()}, null);
             OutputStream file = Files.newOutputStream(output);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> entries = jar.entries(); entries.hasMoreElements();) {
                ZipEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream in = jar.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                if (entry.getName().startsWith(prefix) && entry.getName().endsWith(".class")
                        && new ClassReader(bytes).readUnsignedShort(6) < Opcodes.V1_6) {
                    bytes = withFrames(bytes, classes);
                    converted++;
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        if (converted == 0) {
            throw new IllegalStateException("no class file under " + prefix + " needed frames in " + input);
        }
        System.out.println("FramedClasses: " + converted + " class files under " + prefix + " given stack map frames");
    }

    private static byte[] withFrames(byte[] classFile, ClassLoader classes) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return classes;
            }
        };
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                              String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
