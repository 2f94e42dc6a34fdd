package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The real OpenTelemetry java agent (2.31) listed before taskctx loads some of the JDK classes that
 * taskctx gives a binding field as they load ({@code ForkJoinTask} on JDK 17; also
 * {@code CompletableFuture$Completion} and {@code VirtualThread$VThreadContinuation} on JDK 25). A
 * loaded class cannot gain a field: taskctx says so in one line, naming the classes and the fix, and
 * every hand-off still propagates (through the side table). Listed after taskctx, the same agent
 * costs nothing of the kind and nothing is printed. And taskctx's premain loads no class an agent
 * listed after it may want to see load ({@code ThreadPoolExecutor$Worker}).
 */
class OtherAgentFirstTest {

    private static final List<String> OTEL_QUIET = List.of("-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none",
            "-Dotel.logs.exporter=none", "-Dotel.javaagent.logging=none");

    /** Hands a value off the ways whose task classes taskctx gives fields, and prints what each task saw. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskContext.set("rid", "r1");
            System.out.println("completable-future=" + CompletableFuture.supplyAsync(() -> TaskContext.get("rid"))
                    .thenApplyAsync(seen -> seen + "/" + TaskContext.get("rid")).get(10, TimeUnit.SECONDS));
            CompletableFuture<String> pending = new CompletableFuture<>();
            CompletableFuture<String> stage = pending.thenApply(value -> value + "/" + TaskContext.get("rid"));
            Thread completer = new Thread(() -> {
                TaskContext.set("rid", "completer");
                pending.complete("completed");
            });
            completer.start();
            completer.join();
            System.out.println("then-apply=" + stage.get(10, TimeUnit.SECONDS));
            ForkJoinPool pool = new ForkJoinPool(2);
            System.out.println("fork-join=" + pool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
            if (Runtime.version().feature() >= 21) {
                ExecutorService virtual = Jdk21Threads.newVirtualThreadPerTaskExecutor();
                System.out.println("virtual-thread=" + virtual.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS));
                virtual.shutdown();
            }
            TaskContext.clear();
        }
    }

    /** An agent listed after taskctx: reports whether {@code ThreadPoolExecutor$Worker} had loaded before it. */
    public static final class WorkerProbeAgent {
        public static void premain(String args, Instrumentation instrumentation) {
            boolean loaded = false;
            for (Class<?> type : instrumentation.getAllLoadedClasses()) {
                loaded |= type.getName().equals("java.util.concurrent.ThreadPoolExecutor$Worker");
            }
            System.out.println("worker-loaded-before-the-next-agent=" + loaded);
        }
    }

    private static String otelAgent() {
        Path jar = Path.of(System.getProperty("taskctx.it.otel", "target/agents/opentelemetry-javaagent.jar"));
        assertThat(Files.isRegularFile(jar)).as("the OpenTelemetry agent, copied by it-tests/pom.xml: " + jar).isTrue();
        return "-javaagent:" + jar.toAbsolutePath();
    }

    private static JvmRunner.Result runWithOtel(boolean otelFirst) throws Exception {
        String taskctx = "-javaagent:" + JvmRunner.agentJar();
        List<String> jvmArgs = new ArrayList<>(OTEL_QUIET);
        jvmArgs.add(otelFirst ? otelAgent() : taskctx);
        jvmArgs.add(otelFirst ? taskctx : otelAgent());
        return JvmRunner.run(jvmArgs, Main.class);
    }

    private static void assertEveryHandOffPropagated(JvmRunner.Result result) {
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<String> expected = new ArrayList<>(List.of("completable-future=r1/r1", "then-apply=completed/r1", "fork-join=r1"));
        if (Runtime.version().feature() >= 21) {
            expected.add("virtual-thread=r1");
        }
        assertThat(result.stdoutLines()).containsExactlyElementsOf(expected);
    }

    private static List<String> taskctxLines(JvmRunner.Result result) {
        return result.stderrLines().stream().filter(line -> line.startsWith("taskctx:")).collect(Collectors.toList());
    }

    @Test
    void withOpenTelemetryListedFirstOneLineNamesTheClassesAndEveryHandOffPropagates() throws Exception {
        JvmRunner.Result result = runWithOtel(true);
        assertEveryHandOffPropagated(result);
        List<String> lines = taskctxLines(result);
        assertThat(lines).as(result.stderr()).hasSize(1);
        assertThat(lines.get(0))
                .contains("java.util.concurrent.ForkJoinTask")
                .contains("loaded before taskctx")
                .endsWith("list -javaagent:taskctx.jar first to keep the fast path");
        if (Runtime.version().feature() >= 25) {
            assertThat(lines.get(0)).contains("java.util.concurrent.CompletableFuture$Completion",
                    "java.lang.VirtualThread$VThreadContinuation");
        }
    }

    @Test
    void withOpenTelemetryListedAfterTaskctxNothingIsPrintedAndEveryHandOffPropagates() throws Exception {
        JvmRunner.Result result = runWithOtel(false);
        assertEveryHandOffPropagated(result);
        assertThat(taskctxLines(result)).as(result.stderr()).isEmpty();
    }

    @Test
    void taskctxLoadsNoPoolWorkerClassBeforeTheAgentsListedAfterIt() throws Exception {
        Path probe = JvmRunner.manifestOnlyAgent(WorkerProbeAgent.class);
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar(), "-javaagent:" + probe),
                Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).first().isEqualTo("worker-loaded-before-the-next-agent=false");
        assertThat(result.stderrLines()).isEmpty();
    }
}
