package dev.taskctx.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Wall time of JVM start-up, launched {@code runs} times per set-up after warm-up launches, the set-ups
 * taking turns (in an order rotated each round) so that a change in machine load touches all of them
 * alike: a hello-world
 * ({@code java [-javaagent:...] -cp bench/target/classes dev.taskctx.bench.Hello}), and a Spring Boot
 * web application ({@code springboot.StartupApplication}, from {@code bench/target/classes} and
 * {@code bench/target/springboot-app/lib/*}) timed to its ready line and to its first HTTP response.
 * Next to the four set-ups of {@link Agents} runs {@link FloorAgent}, the floor of any agent that
 * transforms classes.
 */
final class StartupTimer {

    /** Named, not referenced: Spring is on the application's class path only. */
    private static final String APPLICATION = "dev.taskctx.bench.springboot.StartupApplication";

    /** Index of the time to the application's {@code started} line in {@link #measureApplication}'s arrays. */
    static final int STARTED = 0;
    /** Index of the time to the first response to {@code GET /hello}. */
    static final int FIRST_RESPONSE = 1;

    /** The label of the {@link FloorAgent} set-up. */
    static final String FLOOR = "do-nothing agent";

    private StartupTimer() {
    }

    /** One JVM set-up: its label in the tables and its options. */
    private static final class SetUp {
        final String label;
        final List<String> jvmArgs;

        SetUp(String label, List<String> jvmArgs) {
            this.label = label;
            this.jvmArgs = jvmArgs;
        }
    }

    /** No agent, {@link FloorAgent} (its jar written into {@code directory}), then the other agents of {@link Agents}. */
    private static List<SetUp> setUps(File directory) throws IOException {
        List<SetUp> setUps = new ArrayList<>();
        setUps.add(new SetUp(Agents.NONE.label, Agents.NONE.jvmArgs()));
        setUps.add(new SetUp(FLOOR, List.of("-javaagent:" + FloorAgent.writeJar(directory).getAbsolutePath())));
        for (Agents agents : Agents.values()) {
            if (agents != Agents.NONE) {
                setUps.add(new SetUp(agents.label, agents.jvmArgs()));
            }
        }
        return setUps;
    }

    /** Per set-up label, in the order of {@link #setUps}: ms to the hello-world's exit, one per run. */
    static Map<String, double[]> measure(int runs) throws Exception {
        String java = java();
        String classes = new File(Agents.target(), "classes").getPath();
        File directory = Files.createTempDirectory("startup").toFile();
        try {
            List<SetUp> setUps = setUps(directory);
            Map<String, double[]> millis = new LinkedHashMap<>();
            for (SetUp setUp : setUps) {
                millis.put(setUp.label, new double[runs]);
                launch(java, setUp, classes);
                launch(java, setUp, classes);
            }
            for (int run = 0; run < runs; run++) {
                for (SetUp setUp : turn(setUps, run)) {
                    millis.get(setUp.label)[run] = launch(java, setUp, classes);
                }
            }
            return millis;
        } finally {
            deleteAll(directory);
        }
    }

    /** Index of the classes the warm-up launch loaded (all, and from the class path or agent jars) in {@link #measureApplication}'s arrays. */
    static final int CLASSES = 2;

    /**
     * Per set-up: {@code [STARTED][run]} and {@code [FIRST_RESPONSE][run]} in ms since the launch, after
     * one warm-up launch each, which logs class loading: {@code [CLASSES]} holds the classes it loaded,
     * all and those from the class path or agent jars.
     */
    static Map<String, double[][]> measureApplication(int runs) throws Exception {
        String java = java();
        File target = Agents.target();
        File lib = new File(target, "springboot-app/lib");
        if (!lib.isDirectory()) {
            throw new IllegalStateException(lib + " not found: build with mvn -B -Pbench -DskipTests package");
        }
        String classPath = new File(target, "classes").getPath() + File.pathSeparator + lib.getPath() + File.separator + "*";
        File directory = Files.createTempDirectory("startup").toFile();
        try {
            List<SetUp> setUps = setUps(directory);
            Map<String, double[][]> millis = new LinkedHashMap<>();
            for (SetUp setUp : setUps) {
                millis.put(setUp.label, new double[][] {new double[runs], new double[runs], countClasses(java, setUp, classPath)});
            }
            for (int run = 0; run < runs; run++) {
                for (SetUp setUp : turn(setUps, run)) {
                    double[] times = launchApplication(java, setUp, classPath);
                    millis.get(setUp.label)[STARTED][run] = times[STARTED];
                    millis.get(setUp.label)[FIRST_RESPONSE][run] = times[FIRST_RESPONSE];
                }
            }
            return millis;
        } finally {
            deleteAll(directory);
        }
    }

    /**
     * The set-ups in the order of round {@code run}: rotated by one each round, so that no set-up always
     * follows the same one (a launch can be slower after a heavy one, such as OpenTelemetry's).
     */
    private static List<SetUp> turn(List<SetUp> setUps, int run) {
        List<SetUp> order = new ArrayList<>(setUps);
        Collections.rotate(order, -(run % setUps.size()));
        return order;
    }

    private static void deleteAll(File directory) {
        File[] files = directory.listFiles();
        for (File file : files == null ? new File[0] : files) {
            file.delete();
        }
        directory.delete();
    }

    private static String java() {
        return new File(System.getProperty("java.home"), "bin/java").getPath();
    }

    private static double launch(String java, SetUp setUp, String classes) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(setUp.jvmArgs);
        command.addAll(Arrays.asList("-cp", classes, Hello.class.getName()));
        // stderr apart: OpenTelemetry's agent makes the JVM warn there that CDS is limited to boot classes
        File errors = File.createTempFile("startup", ".err");
        try {
            long start = System.nanoTime();
            Process process = new ProcessBuilder(command).redirectError(errors).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int status = process.waitFor();
            double elapsed = (System.nanoTime() - start) / 1e6;
            if (status != 0 || !output.equals("hello")) {
                throw new IllegalStateException(setUp.label + ": exit " + status + ", output: " + output
                        + ", errors: " + Files.readString(errors.toPath()));
            }
            return elapsed;
        } finally {
            errors.delete();
        }
    }

    private static double[] countClasses(String java, SetUp setUp, String classPath) throws Exception {
        File log = File.createTempFile("classes", ".log");
        try {
            launchApplication(java, setUp, classPath, "-Xlog:class+load=info:file=" + log.getAbsolutePath());
            long all = 0;
            long notJdk = 0;
            for (String line : Files.readAllLines(log.toPath(), StandardCharsets.UTF_8)) {
                all++;
                // class path and agent jars; an agent's boot class path entry is logged as a bare path
                if (line.contains("source: file:") || line.contains("source: jar:") || line.contains("source: /")) {
                    notJdk++;
                }
            }
            return new double[] {all, notJdk};
        } finally {
            log.delete();
        }
    }

    private static double[] launchApplication(String java, SetUp setUp, String classPath, String... options)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(setUp.jvmArgs);
        command.addAll(Arrays.asList(options));
        command.addAll(Arrays.asList("-cp", classPath, APPLICATION));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String port = null;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("started port=")) {
                    port = line.substring("started port=".length());
                    break;
                }
            }
            double started = (System.nanoTime() - start) / 1e6;
            if (port == null) {
                throw new IllegalStateException(setUp.label + ": the application ended before it started: " + output);
            }
            String body = get("http://127.0.0.1:" + port + "/hello");
            double firstResponse = (System.nanoTime() - start) / 1e6;
            if (!body.equals("hello")) {
                throw new IllegalStateException(setUp.label + ": GET /hello answered " + body + "; output: " + output);
            }
            return new double[] {started, firstResponse};
        } finally {
            process.destroy();
            drain(process.getInputStream());
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static String get(String url) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        try {
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(30_000);
            try (InputStream body = connection.getInputStream()) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
        } finally {
            connection.disconnect();
        }
    }

    private static void drain(InputStream stream) {
        try {
            stream.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the process is gone
        }
    }

    static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    static double standardDeviation(double[] values) {
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.length - 1));
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }
}
