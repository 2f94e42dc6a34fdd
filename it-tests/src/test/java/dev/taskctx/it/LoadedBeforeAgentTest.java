package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Classes loaded before taskctx's premain (here by an agent listed first) are retransformed and
 * propagate like those loaded after; the task classes among them that could not get their binding
 * field are named in one line.
 */
class LoadedBeforeAgentTest {

    /** Loads the executor classes before taskctx starts. */
    public static final class Preloader {
        public static void premain(String args, Instrumentation instrumentation) throws Exception {
            Class.forName("java.util.concurrent.ThreadPoolExecutor");
            Class.forName("java.util.concurrent.ThreadPoolExecutor$Worker");
            // Task classes that then get no binding field: theirs wait in the side table.
            Class.forName("java.util.concurrent.FutureTask");
            Class.forName("java.util.concurrent.ForkJoinTask");
            Class.forName("java.util.concurrent.CompletableFuture$Completion");
            Class.forName(DirectExecutor.class.getName());
            Class.forName(ThreadPerTaskExecutor.class.getName());
        }
    }

    public static final class DirectExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    public static final class ThreadPerTaskExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            new Thread(task).start();
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(1);
            TaskContext.set("request_id", "early-1");
            System.out.println("pool=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println("forkjoin=" + new ForkJoinPool(1).submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            CompletableFuture<Object> source = new CompletableFuture<>();
            CompletableFuture<Object> stage = source.thenApplyAsync(ignored -> TaskContext.get("request_id"), pool);
            TaskContext.set("request_id", "completer");
            source.complete("done");
            System.out.println("stage=" + stage.get(10, TimeUnit.SECONDS));
            TaskContext.set("request_id", "early-1");
            System.out.println("direct=" + seenVia(new DirectExecutor()));
            System.out.println("thread-per-task=" + seenVia(new ThreadPerTaskExecutor()));
            pool.shutdown();
        }

        private static Object seenVia(Executor executor) throws Exception {
            CompletableFuture<Object> seen = new CompletableFuture<>();
            executor.execute(() -> seen.complete(TaskContext.get("request_id")));
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void executorClassesLoadedBeforeTheAgentPropagate() throws Exception {
        Path preloader = JvmRunner.manifestOnlyAgent(Preloader.class);
        JvmRunner.Result result = JvmRunner.run(
                List.of("-javaagent:" + preloader, "-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "pool=early-1", "forkjoin=early-1", "stage=early-1", "direct=early-1", "thread-per-task=early-1");
        // Every hand-off propagates; the task classes that lost their field are named in one line.
        assertThat(result.stderrLines()).singleElement().asString()
                .startsWith("taskctx: java.util.concurrent.CompletableFuture$Completion, java.util.concurrent.ForkJoinTask,"
                        + " java.util.concurrent.FutureTask were loaded before taskctx")
                .endsWith("list -javaagent:taskctx.jar first to keep the fast path");
    }

    @Test
    void healthyStartPrintsNothing() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).isZero();
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdoutLines()).hasSize(5);
    }
}
