package dev.taskctx.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The sanity check each benchmark's state runs at set-up, in every JVM: a probe task, handed off the way
 * the benchmark hands its tasks off, reads the context that the submitting thread set with 3 entries
 * of each kind. A benchmark whose set-up's own kind does not arrive measures nothing worth comparing,
 * so the check fails it loudly where arrival is certain to be expected: taskctx on every shape (its
 * contract), and every agent on a {@code ThreadPoolExecutor} (no agent: nothing may arrive there).
 * Elsewhere it records the outcome, which {@link BenchMain} marks in its table.
 */
final class Propagation {

    /** File that every benchmark JVM appends its outcomes to: benchmark, set-up, yes/no. */
    static final String REPORT_PROPERTY = "bench.propagation.report";

    private static final int CHECKED_ENTRIES = 3;

    /** Hands {@code probe} off as the benchmark hands off its tasks and returns once the probe ran. */
    interface HandOff {
        void handOff(Runnable probe) throws Exception;
    }

    private Propagation() {
    }

    /** Checks a shape on which every agent must propagate its own kind: a task handed to a {@code ThreadPoolExecutor}. */
    static void checkPool(BenchmarkParams params, HandOff handOff) throws Exception {
        check(params, handOff, true);
    }

    /** Checks a shape on which only taskctx is required to propagate; the others' outcome is recorded. */
    static void check(BenchmarkParams params, HandOff handOff) throws Exception {
        check(params, handOff, false);
    }

    private static void check(BenchmarkParams params, HandOff handOff, boolean everyAgent) throws Exception {
        Agents agent = Agents.current();
        String benchmark = params.getBenchmark().replace("dev.taskctx.bench.", "");
        AtomicReference<Set<Agents>> seen = new AtomicReference<>();
        Entries.fill(CHECKED_ENTRIES);
        try {
            handOff.handOff(() -> seen.accumulateAndGet(Entries.seen(CHECKED_ENTRIES), Propagation::inBoth));
        } finally {
            Entries.fill(0);
        }
        Set<Agents> arrived = seen.get();
        if (arrived == null) {
            throw new IllegalStateException(benchmark + ": the probe task did not run");
        }
        boolean propagated = agent != Agents.NONE && arrived.contains(agent);
        System.out.println("propagation check, " + agent.label + ", " + benchmark + ": arrived " + arrived);
        record(benchmark, agent, propagated);
        if (agent == Agents.NONE ? everyAgent && !arrived.isEmpty()
                : !propagated && (everyAgent || agent == Agents.TASKCTX)) {
            throw new IllegalStateException("PROPAGATION CHECK FAILED: " + benchmark + " with " + agent.label
                    + ": a task handed off saw " + arrived + (agent == Agents.NONE ? "" : ", not " + agent)
                    + "; this set-up does not measure what it claims");
        }
    }

    /** What every run of a probe saw, where a hand-off runs it more than once. */
    private static Set<Agents> inBoth(Set<Agents> before, Set<Agents> now) {
        if (before == null) {
            return now;
        }
        Set<Agents> both = EnumSet.copyOf(before);
        both.retainAll(now);
        return both;
    }

    private static void record(String benchmark, Agents agent, boolean propagated) throws IOException {
        String report = System.getProperty(REPORT_PROPERTY);
        if (report != null && agent != Agents.NONE) {
            Files.write(Paths.get(report),
                    (benchmark + "\t" + agent.name() + "\t" + (propagated ? "yes" : "no") + "\n")
                            .getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
