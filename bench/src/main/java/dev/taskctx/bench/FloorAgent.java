package dev.taskctx.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.security.ProtectionDomain;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The floor of any agent that transforms classes: a {@code premain} that registers one transformer
 * returning {@code null} for every class. Launched with it, the JVM pays what every such agent pays
 * (the launcher's {@code --add-modules java.instrument}, which turns off CDS's archived module graph, and
 * one call into Java per class loaded, with a copy of its class file) and nothing else; the start-up
 * timers run it next to the real agents, so each run shows how much of an agent's cost is this floor.
 */
public final class FloorAgent implements ClassFileTransformer {

    private FloorAgent() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        instrumentation.addTransformer(new FloorAgent());
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classFile) {
        return null;
    }

    /** Writes the agent jar (this class and a manifest naming it) into {@code directory}. */
    static File writeJar(File directory) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", FloorAgent.class.getName());
        String entry = FloorAgent.class.getName().replace('.', '/') + ".class";
        File jar = new File(directory, "floor-agent.jar");
        try (OutputStream file = Files.newOutputStream(jar.toPath());
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream classFile = FloorAgent.class.getResourceAsStream("/" + entry)) {
            if (classFile == null) {
                throw new IOException(entry + " not found next to " + FloorAgent.class.getName());
            }
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
