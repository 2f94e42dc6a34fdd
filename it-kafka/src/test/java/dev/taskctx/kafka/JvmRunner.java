package dev.taskctx.kafka;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a fresh JVM of the same JDK as the test, with the test class path and the agent, and collects what it printed. */
final class JvmRunner {

    /** What a finished JVM printed, and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\\R"));
        }
    }

    private JvmRunner() {
    }

    /** Runs {@code mainClass} with {@code args} in a JVM with the agent given {@code options} (none if empty); fails after 60 s. */
    static Result run(String options, Class<?> mainClass, String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("taskctx.it.jar");
        if (jar == null || !new File(jar).isFile()) {
            throw new IllegalStateException("taskctx.it.jar must name the built agent jar; was " + jar);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-javaagent:" + new File(jar).getAbsolutePath() + (options.isEmpty() ? "" : "=" + options));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("taskctx-it", ".out");
        Path err = Files.createTempFile("taskctx-it", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("JVM did not finish in 60 s: " + command + "; stdout: "
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(),
                    Files.readString(err, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
