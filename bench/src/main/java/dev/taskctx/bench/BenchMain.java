package dev.taskctx.bench;

import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark in three forked JVMs (no agent, the TTL agent, taskctx) with JMH's GC
 * profiler, then times JVM start-up, and prints one table of all results.
 *
 * <p>Arguments: {@code quick} (fewer, shorter iterations), {@code startup=N} (launches per set-up,
 * default 20; 0 skips), {@code only=REGEX} (benchmarks to run; {@code only=} runs none, start-up only),
 * {@code forks=N} and {@code iterations=N} (forks per set-up and measurement iterations per fork, for
 * benchmarks whose error bars are too wide at the defaults).
 */
public final class BenchMain {

    /** Benchmarks that exercise an API directly; the agent does not change them, so they run once, without one. */
    private static final String API_ONLY = ".*\\.api.*";

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int startupRuns = 20;
        String only = "dev\\.taskctx\\.bench\\..*";
        int forks = 0;
        int iterations = 0;
        for (String arg : args) {
            if (arg.equals("quick")) {
                quick = true;
            } else if (arg.startsWith("startup=")) {
                startupRuns = Integer.parseInt(arg.substring("startup=".length()));
            } else if (arg.startsWith("only=")) {
                only = arg.substring("only=".length());
            } else if (arg.startsWith("forks=")) {
                forks = Integer.parseInt(arg.substring("forks=".length()));
            } else if (arg.startsWith("iterations=")) {
                iterations = Integer.parseInt(arg.substring("iterations=".length()));
            } else {
                throw new IllegalArgumentException("unknown argument " + arg
                        + "; use quick, startup=N, only=REGEX, forks=N, iterations=N");
            }
        }
        Map<String, Map<Agents, Result<?>[]>> rows = new LinkedHashMap<>();
        for (Agents agents : only.isEmpty() ? new Agents[0] : Agents.values()) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(only)
                    .jvmArgsAppend(agents.jvmArgs().toArray(new String[0]))
                    .addProfiler(GCProfiler.class)
                    .verbosity(VerboseMode.NORMAL);
            if (agents != Agents.NONE) {
                options.exclude(API_ONLY);
            }
            if (quick) {
                options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(2).measurementTime(TimeValue.seconds(1));
            }
            if (forks > 0) {
                options.forks(forks);
            }
            if (iterations > 0) {
                options.measurementIterations(iterations);
            }
            Collection<RunResult> results;
            try {
                results = new Runner(options.build()).run();
            } catch (org.openjdk.jmh.runner.NoBenchmarksException e) {
                continue; // only= chose API benchmarks, which run without an agent only
            }
            for (RunResult result : results) {
                String name = result.getParams().getBenchmark().replace("dev.taskctx.bench.", "");
                String entries = result.getParams().getParam("entries");
                String key = name + "|" + (entries == null ? "3" : entries);
                Result<?> allocation = result.getSecondaryResults().get("gc.alloc.rate.norm");
                if (allocation == null) {
                    allocation = result.getSecondaryResults().get("\u00b7gc.alloc.rate.norm");
                }
                rows.computeIfAbsent(key, k -> new EnumMap<>(Agents.class))
                        .put(agents, new Result<?>[] {result.getPrimaryResult(), allocation});
            }
        }
        StringBuilder table = new StringBuilder();
        appendResults(table, rows);
        if (startupRuns > 0) {
            Map<Agents, double[]> startup = StartupTimer.measure(startupRuns);
            table.append("\nJVM start-up of a hello-world, ").append(startupRuns)
                    .append(" launches per set-up, taking turns (ms):\n\n");
            table.append("| set-up | mean | std dev | median | min | added vs no agent (mean) |\n");
            table.append("|---|---:|---:|---:|---:|---:|\n");
            double base = StartupTimer.mean(startup.get(Agents.NONE));
            for (Agents agents : Agents.values()) {
                double[] values = startup.get(agents);
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %+.0f |%n", agents.label,
                        StartupTimer.mean(values), StartupTimer.standardDeviation(values),
                        StartupTimer.median(values), StartupTimer.min(values), StartupTimer.mean(values) - base));
            }
        }
        System.out.println();
        System.out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + "), " + Runtime.getRuntime().availableProcessors() + " CPUs");
        System.out.println(table);
    }

    private static void appendResults(StringBuilder table, Map<String, Map<Agents, Result<?>[]>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        table.append("| benchmark | entries | unit | no agent | TTL agent | taskctx | taskctx / no agent"
                + " | B/op no agent | B/op TTL | B/op taskctx |\n");
        table.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Map<Agents, Result<?>[]>> row : rows.entrySet()) {
            String[] key = row.getKey().split("\\|");
            Map<Agents, Result<?>[]> byAgent = row.getValue();
            String unit = byAgent.values().iterator().next()[0].getScoreUnit();
            table.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(unit);
            for (Agents agents : Agents.values()) {
                table.append(" | ").append(score(byAgent.get(agents), 0));
            }
            table.append(" | ").append(ratio(byAgent.get(Agents.TASKCTX), byAgent.get(Agents.NONE)));
            for (Agents agents : Agents.values()) {
                table.append(" | ").append(allocation(byAgent.get(agents)));
            }
            table.append(" |\n");
        }
    }

    private static String score(Result<?>[] results, int index) {
        if (results == null || results[index] == null) {
            return "-";
        }
        Result<?> result = results[index];
        double error = result.getScoreError();
        return Double.isNaN(error)
                ? String.format(Locale.ROOT, "%.1f", result.getScore())
                : String.format(Locale.ROOT, "%.1f ± %.1f", result.getScore(), error);
    }

    private static String allocation(Result<?>[] results) {
        if (results == null || results[1] == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f", results[1].getScore());
    }

    private static String ratio(Result<?>[] taskctx, Result<?>[] none) {
        if (taskctx == null || none == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", taskctx[0].getScore() / none[0].getScore());
    }
}
