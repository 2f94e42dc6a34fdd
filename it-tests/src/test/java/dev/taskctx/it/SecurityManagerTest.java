package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM with a security manager whose policy grants the application and taskctx.jar nothing (JDK 17;
 * JDK 24 and later cannot enable one): the agent starts silently, reads its options and the class
 * files it needs on its own authority, and propagates as without a security manager.
 */
class SecurityManagerTest {

    /** An executor the agent recognises only by reading the class files of its super types. */
    public static final class InlineExecutorService extends AbstractExecutorService {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    public static final class Application {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "r-sm");
            ExecutorService pool = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task);
                thread.setDaemon(true);
                return thread;
            });
            System.out.println("agentActive=" + TaskContext.agentActive());
            System.out.println("own executor: " + new InlineExecutorService().submit(() -> TaskContext.get("request_id")).get());
            System.out.println("pool: " + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void agentPropagatesUnderASecurityManagerThatGrantsNothing(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() < 24,
                "SKIPPED: security manager test: JDK " + Runtime.version().feature() + " cannot enable a security manager");
        Path policy = Files.writeString(dir.resolve("nothing.policy"), "grant {\n};\n");
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar(),
                "-Djava.security.manager", "-Djava.security.policy==" + policy), Application.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "agentActive=true", "own executor: r-sm", "pool: r-sm");
        // The JVM's own two lines about the deprecated security manager, and nothing from taskctx.
        assertThat(result.stderrLines()).noneMatch(line -> line.startsWith("taskctx"));
    }
}
