package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the JVM prints for the start-up mistakes listed in the README's Troubleshooting section. */
class StartupProblemsTest {

    public static final class UsesTaskContext {
        public static void main(String[] args) {
            TaskContext.set("request_id", "r-1");
            System.out.println("request_id=" + TaskContext.get("request_id") + " agentActive=" + TaskContext.agentActive());
        }
    }

    public static final class HandsOff {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "r-2");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            System.out.println("agentActive=" + TaskContext.agentActive()
                    + " in-task=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    /** The test classes alone: the application without taskctx-api on its class path. */
    private static String classPathWithoutApi() throws Exception {
        return Path.of(UsesTaskContext.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void apiMissingFromTheClassPathFailsWithNoClassDefFoundError() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of(), classPathWithoutApi(), UsesTaskContext.class.getName());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderrLines().get(0))
                .isEqualTo("Exception in thread \"main\" java.lang.NoClassDefFoundError: dev/taskctx/TaskContext");
        assertThat(result.stderrLines()).contains("Caused by: java.lang.ClassNotFoundException: dev.taskctx.TaskContext");
    }

    @Test
    void agentJarSuppliesTheApiWhenTheClassPathLacksIt() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), classPathWithoutApi(),
                UsesTaskContext.class.getName());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("request_id=r-1 agentActive=true");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void wrongAgentJarPathStopsTheJvmBeforeMain() throws Exception {
        String missing = new File(JvmRunner.agentJar()).getParent() + "/no-such-dir/taskctx.jar";
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + missing), UsesTaskContext.class);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderrLines()).containsExactly("Error opening zip file or JAR manifest missing : " + missing);
        assertThat(result.stdoutLines()).containsExactly("Error occurred during initialization of VM", agentLibraryFailed());
    }

    @Test
    void agentModuleJarInsteadOfTaskctxJarStopsTheJvmBeforeMain() throws Exception {
        File thin = thinAgentJar();
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + thin), UsesTaskContext.class);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderrLines()).containsExactly("Failed to find Premain-Class manifest attribute in " + thin);
        assertThat(result.stdoutLines()).containsExactly("Error occurred during initialization of VM", agentLibraryFailed());
    }

    @Test
    void renamedAgentJarStillPropagatesAndTheJvmPrintsItsCdsNote() throws Exception {
        Path renamed = Files.createTempDirectory("taskctx-it-renamed").resolve("taskctx-0.1.0.jar");
        Files.copy(Path.of(JvmRunner.agentJar()), renamed);
        try {
            JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + renamed), HandsOff.class);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdoutLines()).containsExactly("agentActive=true in-task=r-2");
            assertThat(result.stderrLines()).containsExactly(System.getProperty("java.vm.name")
                    + " warning: Sharing is only supported for boot loader classes because bootstrap classpath has been appended");
        } finally {
            Files.delete(renamed);
            Files.delete(renamed.getParent());
        }
    }

    /** The agent module's own jar (taskctx-agent-VERSION.jar) beside taskctx.jar: no Premain-Class. */
    private static File thinAgentJar() {
        File[] candidates = new File(JvmRunner.agentJar()).getParentFile().listFiles(
                (dir, name) -> name.startsWith("taskctx-agent-") && name.endsWith(".jar") && !name.contains("shaded"));
        assertThat(candidates).as("taskctx-agent-*.jar beside taskctx.jar").hasSize(1);
        return candidates[0];
    }

    /** The VM prints its last two lines on stdout; the last one differs between JDK 17 and 25. */
    private static String agentLibraryFailed() {
        return Runtime.version().feature() < 25
                ? "agent library failed to init: instrument"
                : "agent library failed Agent_OnLoad: instrument";
    }
}
