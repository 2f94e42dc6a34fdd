package dev.taskctx.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time of {@code java [-javaagent:...] -cp bench/target/classes dev.taskctx.bench.Hello}, launched
 * {@code runs} times per set-up after two warm-up launches each, the set-ups taking turns so that
 * a change in machine load touches all of them alike.
 */
final class StartupTimer {

    private StartupTimer() {
    }

    static Map<Agents, double[]> measure(int runs) throws Exception {
        String java = new File(System.getProperty("java.home"), "bin/java").getPath();
        String classes = new File(Agents.target(), "classes").getPath();
        Map<Agents, double[]> millis = new EnumMap<>(Agents.class);
        for (Agents agents : Agents.values()) {
            millis.put(agents, new double[runs]);
            launch(java, agents, classes);
            launch(java, agents, classes);
        }
        for (int run = 0; run < runs; run++) {
            for (Agents agents : Agents.values()) {
                millis.get(agents)[run] = launch(java, agents, classes);
            }
        }
        return millis;
    }

    private static double launch(String java, Agents agents, String classes) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(agents.jvmArgs());
        command.addAll(Arrays.asList("-cp", classes, Hello.class.getName()));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        int status = process.waitFor();
        double elapsed = (System.nanoTime() - start) / 1e6;
        if (status != 0 || !output.equals("hello")) {
            throw new IllegalStateException(agents.label + ": exit " + status + ", output: " + output);
        }
        return elapsed;
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
