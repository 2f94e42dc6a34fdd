package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * {@link DeclaredMethods#mayDeclare}, the raw constant-pool pre-filter, never rules out a class that
 * the full reading ({@code new ClassReader} and {@link DeclaredMethods#wanted}) would look at further,
 * on thousands of real class files: the JDK's {@code java.util.concurrent}, {@code java.lang} and
 * {@code java.util}, and the libraries on the test class path (Guava, Netty, kotlinx.coroutines).
 */
class DeclaredMethodsTest {

    private static DeclaredMethods declaredMethods() {
        return new DeclaredMethods(WeaverTest.defaultPlan());
    }

    private static List<byte[]> realClassFiles() throws IOException {
        List<byte[]> classFiles = new ArrayList<>();
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        for (String packageDir : List.of("java/util/concurrent", "java/lang", "java/util")) {
            try (Stream<Path> files = Files.list(jrt.getPath("modules", "java.base", packageDir))) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (file.toString().endsWith(".class")) {
                        classFiles.add(Files.readAllBytes(file));
                    }
                }
            }
        }
        for (Class<?> inJar : List.of(com.google.common.util.concurrent.MoreExecutors.class,
                io.netty.util.concurrent.DefaultEventExecutor.class, kotlinx.coroutines.Dispatchers.class)) {
            Path jar = Path.of(URI.create(inJar.getProtectionDomain().getCodeSource().getLocation().toString()));
            try (FileSystem zip = FileSystems.newFileSystem(jar); Stream<Path> files = Files.walk(zip.getPath("/"))) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.toString();
                    if (name.endsWith(".class") && !name.contains("META-INF") && !name.endsWith("module-info.class")) {
                        try (InputStream in = Files.newInputStream(file)) {
                            classFiles.add(in.readAllBytes());
                        }
                    }
                }
            }
        }
        return classFiles;
    }

    @Test
    void thePreFilterNeverRulesOutAClassThatDeclaresAHookedMethod() throws IOException {
        DeclaredMethods declaredMethods = declaredMethods();
        int read = 0;
        int ruledOut = 0;
        int declaring = 0;
        for (byte[] classFile : realClassFiles()) {
            ClassReader reader = new ClassReader(classFile);
            boolean declares = (reader.getAccess() & Opcodes.ACC_INTERFACE) == 0
                    && declaredMethods.wanted(reader, classFile) != 0;
            boolean may = declaredMethods.mayDeclare(classFile);
            if (declares) {
                declaring++;
                assertThat(may).as(reader.getClassName()).isTrue();
            }
            read++;
            ruledOut += may ? 0 : 1;
        }
        assertThat(read).isGreaterThan(4_000);
        assertThat(declaring).isGreaterThan(50);
        // Most classes are ruled out before any parsing: the point of the pre-filter.
        assertThat(ruledOut).isGreaterThan(read * 8 / 10);
    }

    @Test
    void aClassFileThePreFilterCannotFollowIsLeftToTheFullReading() {
        byte[] truncated = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 9, 1, 0, 7, 'e', 'x'};
        assertThat(declaredMethods().mayDeclare(truncated)).isTrue();
        byte[] unknownTag = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 3, 99, 0, 0, 0, 0};
        assertThat(declaredMethods().mayDeclare(unknownTag)).isTrue();
    }
}
