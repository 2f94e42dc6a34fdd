package dev.taskctx.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.util.List;

/** The three JVM set-ups every benchmark runs in, found next to {@code bench/target/benchmarks.jar}. */
enum Agents {
    NONE("no agent"),
    TTL("TTL agent"),
    TASKCTX("taskctx");

    final String label;

    Agents(String label) {
        this.label = label;
    }

    /** The JVM options for this set-up: none, or one {@code -javaagent}. */
    List<String> jvmArgs() {
        switch (this) {
            case TTL:
                return List.of("-javaagent:" + existing(System.getProperty("bench.ttl",
                        new File(target(), "agents/transmittable-thread-local-2.14.5.jar").getPath())));
            case TASKCTX:
                return List.of("-javaagent:" + existing(System.getProperty("bench.taskctx",
                        new File(target(), "../../agent/target/taskctx.jar").getPath())));
            default:
                return List.of();
        }
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
