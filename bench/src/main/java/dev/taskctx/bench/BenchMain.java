package dev.taskctx.bench;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark in four forked JVMs (no agent, the TTL agent, taskctx, OpenTelemetry's agent)
 * with JMH's GC profiler, then times JVM start-up of a hello-world and of a Spring Boot application
 * (in those four set-ups and a fifth, a do-nothing agent: {@link FloorAgent}), and prints one table of
 * all results.
 *
 * <p>Arguments: {@code quick} (fewer, shorter iterations), {@code startup=N} (hello-world launches per
 * set-up, default 20; 0 skips), {@code app=N} (Spring Boot launches per set-up, default 20; 0 skips),
 * {@code only=REGEX} (benchmarks to run; {@code only=} runs none, start-up only), {@code forks=N} and
 * {@code iterations=N} (forks per set-up and measurement iterations per fork, for benchmarks whose
 * error bars are too wide at the defaults), {@code agents=NAME,...} (set-ups to run: none, ttl,
 * taskctx, otel; default all), {@code vthreads=N} (heap per parked thread: N virtual threads on JDK 25 and
 * platform threads on JDK 17, see {@link VirtualThreadMemory}; runs alone with the chosen set-ups).
 */
public final class BenchMain {

    /** Benchmarks that exercise an API directly; the agent does not change them, so they run once, without one. */
    private static final String API_ONLY = ".*\\.api.*";

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int startupRuns = 20;
        int applicationRuns = 20;
        String only = "dev\\.taskctx\\.bench\\..*";
        int forks = 0;
        int iterations = 0;
        List<Agents> setUps = new ArrayList<>(List.of(Agents.values()));
        int virtualThreads = 0;
        for (String arg : args) {
            if (arg.equals("quick")) {
                quick = true;
            } else if (arg.startsWith("startup=")) {
                startupRuns = Integer.parseInt(arg.substring("startup=".length()));
            } else if (arg.startsWith("app=")) {
                applicationRuns = Integer.parseInt(arg.substring("app=".length()));
            } else if (arg.startsWith("only=")) {
                only = arg.substring("only=".length());
            } else if (arg.startsWith("forks=")) {
                forks = Integer.parseInt(arg.substring("forks=".length()));
            } else if (arg.startsWith("iterations=")) {
                iterations = Integer.parseInt(arg.substring("iterations=".length()));
            } else if (arg.startsWith("vthreads=")) {
                virtualThreads = Integer.parseInt(arg.substring("vthreads=".length()));
            } else if (arg.startsWith("agents=")) {
                setUps.clear();
                for (String name : arg.substring("agents=".length()).split(",")) {
                    setUps.add(Agents.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                }
            } else {
                throw new IllegalArgumentException("unknown argument " + arg
                        + "; use quick, startup=N, app=N, only=REGEX, forks=N, iterations=N, agents=none,ttl,taskctx,otel, vthreads=N");
            }
        }
        if (virtualThreads > 0) {
            VirtualThreadMemory.measure(virtualThreads, setUps);
            return;
        }
        File propagationReport = File.createTempFile("propagation", ".tsv");
        propagationReport.deleteOnExit();
        Map<String, Map<Agents, Result<?>[]>> rows = new LinkedHashMap<>();
        for (Agents agents : only.isEmpty() ? List.<Agents>of() : setUps) {
            List<String> jvmArgs = new ArrayList<>(agents.jvmArgs());
            jvmArgs.add("-D" + Agents.PROPERTY + "=" + agents.name());
            jvmArgs.add("-D" + Propagation.REPORT_PROPERTY + "=" + propagationReport.getAbsolutePath());
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(only)
                    // needs the agent's micrometer option: run by JMH's own main, see bench/README.md
                    .exclude(MicrometerBenchmarks.class.getName())
                    .jvmArgsAppend(jvmArgs.toArray(new String[0]))
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true)
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
        appendResults(table, rows, notPropagated(propagationReport));
        if (startupRuns > 0) {
            Map<String, double[]> startup = StartupTimer.measure(startupRuns);
            table.append("\nJVM start-up of a hello-world, ").append(startupRuns)
                    .append(" launches per set-up, taking turns (ms):\n\n");
            table.append("| set-up | mean | std dev | median | min | added vs no agent (mean)"
                    + " | added vs do-nothing agent (mean) |\n");
            table.append("|---|---:|---:|---:|---:|---:|---:|\n");
            double base = StartupTimer.mean(startup.get(Agents.NONE.label));
            double floor = StartupTimer.mean(startup.get(StartupTimer.FLOOR));
            for (Map.Entry<String, double[]> setUp : startup.entrySet()) {
                double[] values = setUp.getValue();
                double mean = StartupTimer.mean(values);
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %+.0f | %s |%n",
                        setUp.getKey(), mean, StartupTimer.standardDeviation(values), StartupTimer.median(values),
                        StartupTimer.min(values), mean - base, overFloor(setUp.getKey(), mean - floor)));
            }
        }
        if (applicationRuns > 0) {
            Map<String, double[][]> application = StartupTimer.measureApplication(applicationRuns);
            table.append("\nStart-up of a Spring Boot 4 web application (springboot.StartupApplication), ")
                    .append(applicationRuns).append(" launches per set-up, taking turns (ms since launch;"
                    + " classes counted in a warm-up launch with -Xlog:class+load):\n\n");
            table.append("| set-up | to started, median | min | added vs no agent (median)"
                    + " | added vs do-nothing agent (median)"
                    + " | to first response, median | min | added vs no agent (median)"
                    + " | classes loaded | of them from class path or agent jars |\n");
            table.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            double[][] base = application.get(Agents.NONE.label);
            double[][] floor = application.get(StartupTimer.FLOOR);
            for (Map.Entry<String, double[][]> setUp : application.entrySet()) {
                double[][] values = setUp.getValue();
                double started = StartupTimer.median(values[StartupTimer.STARTED]);
                double response = StartupTimer.median(values[StartupTimer.FIRST_RESPONSE]);
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %+.0f | %s | %.0f | %.0f | %+.0f",
                        setUp.getKey(), started, StartupTimer.min(values[StartupTimer.STARTED]),
                        started - StartupTimer.median(base[StartupTimer.STARTED]),
                        overFloor(setUp.getKey(), started - StartupTimer.median(floor[StartupTimer.STARTED])),
                        response, StartupTimer.min(values[StartupTimer.FIRST_RESPONSE]),
                        response - StartupTimer.median(base[StartupTimer.FIRST_RESPONSE])));
                double[] classes = values[StartupTimer.CLASSES];
                table.append(String.format(Locale.ROOT, " | %.0f | %.0f |%n", classes[0], classes[1]));
            }
        }
        System.out.println();
        System.out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + "), " + Runtime.getRuntime().availableProcessors() + " CPUs");
        System.out.println(table);
    }

    /** What an agent adds over the do-nothing agent; a dash for no agent and the do-nothing agent itself. */
    private static String overFloor(String label, double added) {
        return label.equals(Agents.NONE.label) || label.equals(StartupTimer.FLOOR)
                ? "-" : String.format(Locale.ROOT, "%+.0f", added);
    }

    /** Benchmark and set-up pairs ({@code name|AGENT}) whose set-up check saw the set-up's own kind not arrive. */
    private static Set<String> notPropagated(File report) throws java.io.IOException {
        Set<String> lost = new HashSet<>();
        for (String line : Files.readAllLines(report.toPath(), StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t");
            if (fields.length == 3 && fields[2].equals("no")) {
                lost.add(fields[0] + "|" + fields[1]);
            }
        }
        return lost;
    }

    private static void appendResults(StringBuilder table, Map<String, Map<Agents, Result<?>[]>> rows,
            Set<String> notPropagated) {
        if (rows.isEmpty()) {
            return;
        }
        table.append("| benchmark | entries | unit | no agent | TTL agent | taskctx | OTel agent | taskctx / no agent"
                + " | added taskctx | added OTel | B/op no agent | B/op TTL | B/op taskctx | B/op OTel |\n");
        table.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        boolean marked = false;
        for (Map.Entry<String, Map<Agents, Result<?>[]>> row : rows.entrySet()) {
            String[] key = row.getKey().split("\\|");
            Map<Agents, Result<?>[]> byAgent = row.getValue();
            String unit = byAgent.values().iterator().next()[0].getScoreUnit();
            table.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(unit);
            for (Agents agents : Agents.values()) {
                String score = score(byAgent.get(agents), 0);
                if (notPropagated.contains(key[0] + "|" + agents.name()) && !key[1].equals("0")) {
                    score += " \u2020";
                    marked = true;
                }
                table.append(" | ").append(score);
            }
            table.append(" | ").append(ratio(byAgent.get(Agents.TASKCTX), byAgent.get(Agents.NONE)));
            table.append(" | ").append(added(byAgent.get(Agents.TASKCTX), byAgent.get(Agents.NONE)));
            table.append(" | ").append(added(byAgent.get(Agents.OTEL), byAgent.get(Agents.NONE)));
            for (Agents agents : Agents.values()) {
                table.append(" | ").append(allocation(byAgent.get(agents)));
            }
            table.append(" |\n");
        }
        if (marked) {
            table.append("\n\u2020 the set-up's own context did not reach a task handed off this way (check at set-up):"
                    + " it measures a hand-off that carries nothing.\n");
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

    private static String ratio(Result<?>[] agent, Result<?>[] none) {
        if (agent == null || none == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", agent[0].getScore() / none[0].getScore());
    }

    private static String added(Result<?>[] agent, Result<?>[] none) {
        if (agent == null || none == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%+.1f", agent[0].getScore() - none[0].getScore());
    }
}
