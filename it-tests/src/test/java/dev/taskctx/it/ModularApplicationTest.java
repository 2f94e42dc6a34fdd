package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * A modular application: a named module requiring the api module {@code dev.taskctx.api}, both on the
 * module path, started with {@code -m}. With the agent its copy of the api is joined to the agent's
 * and every hand-off propagates; without, it is the api's thread-local context (README, Troubleshooting).
 */
class ModularApplicationTest {

    private static final String MODULE_INFO = "module app { requires dev.taskctx.api; }\n";

    private static final String MAIN = String.join("\n",
            "package demo;",
            "import dev.taskctx.Snapshot;",
            "import dev.taskctx.TaskContext;",
            "import java.util.concurrent.*;",
            "public class Main {",
            "    public static void main(String[] args) throws Exception {",
            "        Module api = TaskContext.class.getModule();",
            "        System.out.println(\"api-module=\" + api.getName() + \" exports-internal=\" + api.isExported(\"dev.taskctx.internal\"));",
            "        System.out.println(\"agentActive=\" + TaskContext.agentActive());",
            "        TaskContext.set(\"request_id\", \"modular\");",
            "        ExecutorService pool = Executors.newFixedThreadPool(2);",
            "        System.out.println(\"pool=\" + pool.submit(() -> TaskContext.get(\"request_id\")).get(10, TimeUnit.SECONDS));",
            "        Object[] seen = new Object[1];",
            "        Thread thread = new Thread(() -> seen[0] = TaskContext.get(\"request_id\"));",
            "        thread.start();",
            "        thread.join();",
            "        System.out.println(\"new-thread=\" + seen[0]);",
            "        System.out.println(\"supplyAsync=\" + CompletableFuture.supplyAsync(() -> TaskContext.get(\"request_id\")).get(10, TimeUnit.SECONDS));",
            "        CompletableFuture<String> source = new CompletableFuture<>();",
            "        CompletableFuture<Object> dependent = source.thenApply(x -> TaskContext.get(\"request_id\"));",
            "        Thread completer = new Thread(() -> { TaskContext.set(\"request_id\", \"completer\"); source.complete(\"x\"); });",
            "        completer.start();",
            "        completer.join();",
            "        System.out.println(\"dependent-stage=\" + dependent.get(10, TimeUnit.SECONDS));",
            "        System.out.println(\"thenApplyAsync=\" + CompletableFuture.completedFuture(1)",
            "                .thenApplyAsync(x -> TaskContext.get(\"request_id\"), pool).get(10, TimeUnit.SECONDS));",
            "        System.out.println(\"parallel-stream-all-see-it=\" + java.util.stream.IntStream.range(0, 64).parallel()",
            "                .allMatch(i -> \"modular\".equals(TaskContext.get(\"request_id\"))));",
            "        Snapshot snapshot = TaskContext.capture();",
            "        TaskContext.set(\"request_id\", \"later\");",
            "        System.out.println(\"snapshot-in-pool=\" + pool.submit(snapshot.wrap(() -> TaskContext.get(\"request_id\"))).get(10, TimeUnit.SECONDS));",
            "        System.out.println(\"shared=\" + TaskContext.callShared(() -> {",
            "            pool.submit(() -> TaskContext.set(\"from_task\", \"t\")).get(10, TimeUnit.SECONDS);",
            "            return TaskContext.get(\"from_task\");",
            "        }));",
            "        pool.shutdown();",
            "    }",
            "}",
            "");

    /** Compiles the application module against the api module; returns the module path to run it with. */
    private static String compileApplication() throws Exception {
        String api = new File(SecondApiCopyTest.apiLocation().toURI()).getPath();
        Path source = Files.createTempDirectory("taskctx-it-modular-src");
        Path out = Files.createTempDirectory("taskctx-it-modular-out");
        Files.writeString(source.resolve("module-info.java"), MODULE_INFO);
        Files.createDirectories(source.resolve("demo"));
        Files.writeString(source.resolve("demo/Main.java"), MAIN);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, "--release", "17", "--module-path", api, "-d", out.toString(),
                source.resolve("module-info.java").toString(), source.resolve("demo/Main.java").toString());
        assertThat(status).as("javac of the application module").isZero();
        return api + File.pathSeparator + out;
    }

    private static JvmRunner.Result runApplication(List<String> jvmArgs) throws Exception {
        List<String> arguments = new ArrayList<>(jvmArgs);
        arguments.add("--module-path");
        arguments.add(compileApplication());
        arguments.add("-m");
        arguments.add("app/demo.Main");
        return JvmRunner.runJava(arguments);
    }

    @Test
    void theApiIsTheModuleDevTaskctxApiExportingOnlyDevTaskctx() throws Exception {
        File api = new File(SecondApiCopyTest.apiLocation().toURI());
        if (api.isFile()) {
            try (JarFile jar = new JarFile(api)) {
                assertThat(jar.getEntry("module-info.class")).isNotNull();
            }
        } else {
            assertThat(new File(api, "module-info.class")).isFile();
        }
        // The agent jar is on the bootstrap class path, where the api is in the unnamed module that java.base reads.
        try (JarFile agent = new JarFile(JvmRunner.agentJar())) {
            assertThat(agent.getEntry("module-info.class")).isNull();
            assertThat(agent.getEntry("dev/taskctx/internal/Propagation.class")).isNotNull();
        }
    }

    @Test
    void everyHandOffOfAModularApplicationPropagatesWithTheAgent() throws Exception {
        JvmRunner.Result result = runApplication(List.of("-javaagent:" + JvmRunner.agentJar()));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "api-module=dev.taskctx.api exports-internal=false",
                "agentActive=true",
                "pool=modular",
                "new-thread=modular",
                "supplyAsync=modular",
                "dependent-stage=modular",
                "thenApplyAsync=modular",
                "parallel-stream-all-see-it=true",
                "snapshot-in-pool=modular",
                "shared=t");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void aModularApplicationWithoutTheAgentHasAThreadLocalContext() throws Exception {
        JvmRunner.Result result = runApplication(List.of("-Dtaskctx.warnWithoutAgent=false"));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        // Which elements of a parallel stream the calling thread runs itself is up to the pool: that line is left out.
        assertThat(result.stdoutLines()).filteredOn(line -> !line.startsWith("parallel-stream")).containsExactly(
                "api-module=dev.taskctx.api exports-internal=false",
                "agentActive=false",
                "pool=null",
                "new-thread=null",
                "supplyAsync=null",
                "dependent-stage=completer",
                "thenApplyAsync=null",
                "snapshot-in-pool=modular",
                "shared=null");
        assertThat(result.stderrLines()).isEmpty();
    }
}
