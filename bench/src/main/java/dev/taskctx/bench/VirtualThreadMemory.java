package dev.taskctx.bench;

import com.alibaba.ttl.TransmittableThreadLocal;
import dev.taskctx.TaskContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Heap per parked thread (issue 14: "memory per parked virtual thread with a context"). Each run is a
 * fresh JVM of one set-up that sets {@code entries} values of its own kind only (TaskContext keys,
 * TransmittableThreadLocals, or OpenTelemetry {@link ContextKey}s in one current {@link Context}; the
 * no-agent JVM sets nothing), checks with one probe thread that they reach a new thread, then measures
 * used heap after forced GCs before and after starting {@code threads} threads that each park, and
 * prints the difference per thread. Only the set-up's own kind is set: TTL's values live in an
 * {@code InheritableThreadLocal}, which every new thread copies with or without its agent, and would
 * count in every column.
 *
 * <p>{@link #measure} (BenchMain's {@code vthreads=N}) runs virtual threads on JDK 25 and platform
 * threads on JDK 17, each set-up {@link #RUNS} times taking turns, and prints medians.
 */
final class VirtualThreadMemory {

    static final String JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    /** Platform threads have native stacks; fewer of them are enough for a per-thread heap figure. */
    private static final int PLATFORM_THREADS = 10_000;
    private static final int RUNS = 3;
    /** Entries per case; {@link #READS}: whether the case's threads read their context before they park. */
    private static final int[] ENTRIES = {0, 3, 3};
    private static final boolean[] READS = {false, false, true};
    private static final int WARM_UP_ROUNDS = Integer.getInteger("bench.vthreads.warmup", 2);
    private static final String RESULT = "bytes per thread: ";

    /** The TTL values {@link #set} made, kept for the check. */
    private static final List<TransmittableThreadLocal<Object>> TTL_LOCALS = new ArrayList<>();

    private VirtualThreadMemory() {
    }

    // ---- the runner: one JVM per set-up, entries and run ------------------------------------------

    /** Prints the tables for {@code virtualThreads} virtual threads (JDK 25) and platform threads (JDK 17). */
    static void measure(int virtualThreads, List<Agents> setUps) throws Exception {
        if (new File(JDK25).canExecute()) {
            print("virtual threads, JDK 25", JDK25, "virtual", virtualThreads, setUps);
        } else {
            System.out.println("SKIPPED: virtual-thread memory: no JDK at " + JDK25);
        }
        String java17 = System.getProperty("java.specification.version").equals("17")
                ? new File(System.getProperty("java.home"), "bin/java").getPath()
                : "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
        if (new File(java17).canExecute()) {
            print("platform threads, JDK 17", java17, "platform", Math.min(virtualThreads, PLATFORM_THREADS), setUps);
        } else {
            System.out.println("SKIPPED: platform-thread memory: no JDK 17 at " + java17);
        }
    }

    private static void print(String title, String java, String kind, int threads, List<Agents> setUps)
            throws Exception {
        Map<Agents, double[][]> bytes = new EnumMap<>(Agents.class);
        for (Agents agents : setUps) {
            bytes.put(agents, new double[ENTRIES.length][RUNS]);
        }
        for (int run = 0; run < RUNS; run++) {
            for (int e = 0; e < ENTRIES.length; e++) {
                for (Agents agents : setUps) {
                    bytes.get(agents)[e][run] = launch(java, agents, kind, threads, ENTRIES[e], READS[e]);
                }
            }
        }
        StringBuilder table = new StringBuilder();
        table.append("\nHeap per parked thread, ").append(title).append(", ").append(threads)
                .append(" threads, median of ").append(RUNS).append(" JVMs per cell (B; runs in brackets):\n\n");
        table.append("| set-up | entries | thread reads its context | B per thread | added vs no agent | runs |\n"
                + "|---|---:|---|---:|---:|---|\n");
        for (int e = 0; e < ENTRIES.length; e++) {
            for (Agents agents : setUps) {
                double[] runs = bytes.get(agents)[e];
                double median = median(runs);
                String added = bytes.containsKey(Agents.NONE)
                        ? String.format(Locale.ROOT, "%+.0f", median - median(bytes.get(Agents.NONE)[e])) : "-";
                table.append(String.format(Locale.ROOT, "| %s | %d | %s | %.0f | %s | %s |%n", agents.label, ENTRIES[e],
                        READS[e] ? "yes" : "no", median, added, Arrays.toString(round(runs))));
            }
        }
        System.out.println(table);
    }

    private static double launch(String java, Agents agents, String kind, int threads, int entries, boolean reads)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(agents.jvmArgs());
        command.add("-D" + Agents.PROPERTY + "=" + agents.name());
        command.add("-Xmx3g");
        command.add("-cp");
        command.add(new File(VirtualThreadMemory.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getPath());
        command.add(VirtualThreadMemory.class.getName());
        command.add(kind);
        command.add(Integer.toString(threads));
        command.add(Integer.toString(entries));
        command.add(reads ? "read" : "noread");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Double result = null;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith(RESULT)) {
                    result = Double.parseDouble(line.substring(RESULT.length()));
                }
            }
        }
        int status = process.waitFor();
        if (status != 0 || result == null) {
            throw new IllegalStateException("memory run failed (" + String.join(" ", command) + "), exit " + status
                    + ":\n" + output);
        }
        System.out.printf(Locale.ROOT, "%s, %s threads, %s, %d entries%s: %.0f B per thread%n", kind, threads,
                agents.label, entries, reads ? ", read" : "", result);
        return result;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static long[] round(double[] values) {
        long[] rounded = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Math.round(values[i]);
        }
        return rounded;
    }

    // ---- one measuring JVM ---------------------------------------------------------------------------

    /**
     * Arguments: {@code virtual|platform}, the number of threads, the number of entries, {@code read|noread}
     * (whether each thread reads its context before it parks); a fifth, {@code hold}, keeps the JVM alive afterwards (with the threads parked) for {@code jcmd GC.class_histogram}.
     */
    public static void main(String[] args) throws Exception {
        boolean virtual = args[0].equals("virtual");
        int threads = Integer.parseInt(args[1]);
        int entries = Integer.parseInt(args[2]);
        boolean reads = args[3].equals("read");
        boolean hold = args.length > 4 && args[4].equals("hold");
        Agents agent = Agents.current();
        set(agent, entries);
        ThreadStarter starter = new ThreadStarter(virtual);
        check(agent, entries, starter);

        // First rounds compile the path to the park: an interpreted frame is larger than a compiled one,
        // and a virtual thread's parked frames are copied to the heap.
        Thread[] parked = new Thread[threads];
        for (int round = 0; round < WARM_UP_ROUNDS; round++) {
            startAndPark(starter, parked, agent, reads ? entries : 0);
            release(parked);
            for (Thread thread : parked) {
                thread.join();
            }
            Arrays.fill(parked, null);
        }
        long before = usedHeapAfterGc();
        startAndPark(starter, parked, agent, reads ? entries : 0);
        long after = usedHeapAfterGc();
        System.out.println(RESULT + (double) (after - before) / threads);
        if (hold) {
            System.out.println("holding: pid " + ProcessHandle.current().pid());
            Thread.sleep(Long.MAX_VALUE);
        }
        release(parked);
    }

    /** Starts the threads and waits until all park; each reads its context first if {@code readEntries} > 0. */
    private static void startAndPark(ThreadStarter starter, Thread[] parked, Agents agent, int readEntries)
            throws Exception {
        CountDownLatch started = new CountDownLatch(parked.length);
        Runnable parker = new Parker(started, agent, readEntries);
        for (int i = 0; i < parked.length; i++) {
            parked[i] = starter.start(parker);
        }
        started.await();
        for (Thread thread : parked) {
            // A spurious wake-up ends a parker: it is not waited for.
            while (thread.getState() != Thread.State.WAITING && thread.isAlive()) {
                Thread.sleep(1);
            }
        }
    }

    private static void release(Thread[] parked) {
        for (Thread thread : parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Sets {@code entries} values of {@code agent}'s own kind on this thread; the no-agent JVM sets none. */
    private static void set(Agents agent, int entries) {
        Context context = Context.root();
        for (int i = 0; i < entries; i++) {
            switch (agent) {
                case TASKCTX:
                    TaskContext.set("key" + i, "value" + i);
                    break;
                case TTL:
                    TransmittableThreadLocal<Object> local = new TransmittableThreadLocal<>();
                    local.set("value" + i);
                    TTL_LOCALS.add(local);
                    break;
                case OTEL:
                    context = context.with(ContextKey.named("key" + i), "value" + i);
                    break;
                default:
                    break;
            }
        }
        if (agent == Agents.OTEL && entries > 0) {
            context.makeCurrent(); // the scope stays open for the JVM's life
        }
    }

    /**
     * Whether a probe thread sees this thread's values; for taskctx, a contract: the run fails without.
     * TTL's values arrive through inheritance; OpenTelemetry's agent does not propagate to new threads.
     */
    private static void check(Agents agent, int entries, ThreadStarter starter) throws Exception {
        if (entries == 0) {
            return;
        }
        Object[] seen = new Object[1];
        Thread probe = starter.start(() -> seen[0] = read(agent, entries));
        probe.join();
        System.out.println("propagation check, " + agent.label + ": " + (seen[0] != null ? "arrived" : "not arrived"));
        if (agent == Agents.TASKCTX && seen[0] == null) {
            throw new IllegalStateException("PROPAGATION CHECK FAILED: taskctx's keys did not reach a new thread");
        }
    }

    /** The last of {@code entries} values of {@code agent}'s kind as the current thread sees it, or null. */
    private static Object read(Agents agent, int entries) {
        switch (agent) {
            case TASKCTX:
                return TaskContext.get("key" + (entries - 1));
            case TTL:
                return TTL_LOCALS.get(entries - 1).get();
            case OTEL:
                return Context.current() == Context.root() ? null : "current";
            default:
                return null;
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Reads its context if asked, counts itself started, then parks once, until unparked. One plain park: a park in a loop leaves
     * frames whose size depends on how the JIT compiled the loop, which moved the per-thread figure by
     * 100 B between JVMs.
     */
    private static final class Parker implements Runnable {
        private final CountDownLatch started;
        private final Agents agent;
        private final int readEntries;

        Parker(CountDownLatch started, Agents agent, int readEntries) {
            this.started = started;
            this.agent = agent;
            this.readEntries = readEntries;
        }

        @Override
        public void run() {
            if (readEntries > 0) {
                read(agent, readEntries);
            }
            started.countDown();
            LockSupport.park();
        }
    }

    /** Starts a virtual thread ({@code Thread.ofVirtual().start}, through reflection: compiled for 17) or a platform thread. */
    private static final class ThreadStarter {
        private final Object builder;
        private final Method start;

        ThreadStarter(boolean virtual) throws Exception {
            if (virtual) {
                builder = Thread.class.getMethod("ofVirtual").invoke(null);
                start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
            } else {
                builder = null;
                start = null;
            }
        }

        Thread start(Runnable task) throws Exception {
            if (builder != null) {
                return (Thread) start.invoke(builder, task);
            }
            Thread thread = new Thread(task);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }
    }
}
