package dev.taskctx.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Starts a fresh JVM of the same JDK as the test, with the test class path, and collects what it printed. */
final class JvmRunner {

    /** What a finished JVM printed, and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\\R"));
        }

        List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : Arrays.asList(stderr.split("\\R"));
        }
    }

    private JvmRunner() {
    }

    /** The taskctx.jar under test (the surefire configuration passes its path). */
    static String agentJar() {
        String jar = System.getProperty("taskctx.it.jar");
        if (jar == null || !new File(jar).isFile()) {
            throw new IllegalStateException("taskctx.it.jar must name the built agent jar; was " + jar);
        }
        return new File(jar).getAbsolutePath();
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs {@code mainClass} with {@code jvmArgs} before it and {@code args} after it; fails after 60 s. */
    static Result run(List<String> jvmArgs, Class<?> mainClass, String... args) throws IOException, InterruptedException {
        return run(jvmArgs, System.getProperty("java.class.path"), mainClass.getName(), args);
    }

    /** Runs {@code mainClass} with the class path {@code classPath} instead of the test's; fails after 60 s. */
    static Result run(List<String> jvmArgs, String classPath, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(jvmArgs);
        arguments.add("-cp");
        arguments.add(classPath);
        arguments.add(mainClass);
        arguments.addAll(Arrays.asList(args));
        return runJava(arguments);
    }

    /** Runs {@code java} with exactly {@code arguments} (a module's main class with {@code -m}, say); fails after 60 s. */
    static Result runJava(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(arguments);
        Path out = Files.createTempFile("taskctx-it", ".out");
        Path err = Files.createTempFile("taskctx-it", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("JVM did not finish in 60 s: " + command);
            }
            return new Result(process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8).strip(),
                    Files.readString(err, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A manifest-only agent jar whose Premain-Class is {@code premainClass}, found on the class path. */
    static Path manifestOnlyAgent(Class<?> premainClass) throws IOException {
        return manifestOnlyAgent(premainClass, false);
    }

    /** {@link #manifestOnlyAgent(Class)}, allowed to retransform and redefine classes if {@code redefines}. */
    static Path manifestOnlyAgent(Class<?> premainClass, boolean redefines) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", premainClass.getName());
        if (redefines) {
            manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
            manifest.getMainAttributes().putValue("Can-Redefine-Classes", "true");
        }
        Path jar = Files.createTempFile("taskctx-it-agent", ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // the manifest is all this agent needs
        }
        jar.toFile().deleteOnExit();
        return jar;
    }
}
