package dev.taskctx.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.util.List;

/** The four JVM set-ups every benchmark runs in, found next to {@code bench/target/benchmarks.jar}. */
enum Agents {
    NONE("no agent"),
    TTL("TTL agent"),
    TASKCTX("taskctx"),
    OTEL("OTel agent");

    /** Set in each benchmark JVM to the name of its set-up, for {@link Propagation}'s check. */
    static final String PROPERTY = "bench.agent";

    final String label;

    Agents(String label) {
        this.label = label;
    }

    /** The JVM options for this set-up: none, or one {@code -javaagent} and its settings. */
    List<String> jvmArgs() {
        switch (this) {
            case TTL:
                return List.of("-javaagent:" + existing(System.getProperty("bench.ttl",
                        new File(target(), "agents/transmittable-thread-local-2.14.5.jar").getPath())));
            case TASKCTX:
                return List.of("-javaagent:" + existing(System.getProperty("bench.taskctx",
                        new File(target(), "../../agent/target/taskctx.jar").getPath())));
            case OTEL:
                // Propagation only: nothing exported, no agent log; instrumentation stays at its defaults.
                return List.of("-javaagent:" + existing(System.getProperty("bench.otel",
                                new File(target(), "agents/opentelemetry-javaagent-2.31.0.jar").getPath())),
                        "-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none",
                        "-Dotel.javaagent.logging=none");
            default:
                return List.of();
        }
    }

    /** The set-up of the running JVM, as {@link #PROPERTY} names it (no agent where it is absent). */
    static Agents current() {
        return valueOf(System.getProperty(PROPERTY, NONE.name()));
    }

    /** bench/target, where benchmarks.jar is. */
    static File target() {
        try {
            return new File(Agents.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParentFile();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String existing(String path) {
        File file = new File(path);
        if (!file.isFile()) {
            throw new IllegalStateException(file + " not found: build with mvn -B -Pbench -DskipTests package");
        }
        try {
            return file.getCanonicalPath();
        } catch (java.io.IOException e) {
            return file.getAbsolutePath();
        }
    }
}
