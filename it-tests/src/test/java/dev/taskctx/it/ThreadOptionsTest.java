package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code threads} and {@code threads.exclude} options, each in a JVM of its own. */
class ThreadOptionsTest {

    /** Base class of a worker thread the application wants excluded; its subclasses are excluded with it. */
    public static class ExcludedThreadBase extends Thread {
        final CompletableFuture<Object> seen = new CompletableFuture<>();

        @Override
        public void run() {
            seen.complete(TaskContext.get("request_id"));
        }
    }

    public static final class ExcludedThread extends ExcludedThreadBase {
    }

    public static final class ExcludedTask implements Runnable {
        final CompletableFuture<Object> seen = new CompletableFuture<>();

        @Override
        public void run() {
            seen.complete(TaskContext.get("request_id"));
        }
    }

    /**
     * A third-party-style pool that starts its worker loop in its constructor, outside any hand-off,
     * with a method reference (a lambda class hosted by this class).
     */
    public static final class EagerPool implements Executor {
        private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final CompletableFuture<Object> workerStartedWith = new CompletableFuture<>();

        EagerPool() {
            Thread worker = new Thread(this::loop, "eager-pool-worker");
            worker.setDaemon(true);
            worker.start();
        }

        private void loop() {
            workerStartedWith.complete(TaskContext.get("request_id"));
            try {
                while (true) {
                    queue.take().run();
                }
            } catch (InterruptedException stop) {
                // the JVM exits
            }
        }

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "main-1");
            CompletableFuture<Object> seenByThread = new CompletableFuture<>();
            Thread plain = new Thread(() -> seenByThread.complete(TaskContext.get("request_id")));
            ExcludedThread excludedThread = new ExcludedThread();
            ExcludedTask excludedTask = new ExcludedTask();
            Thread runningExcludedTask = new Thread(excludedTask);
            EagerPool eagerPool = new EagerPool();
            ExecutorService pool = Executors.newFixedThreadPool(1);
            plain.start();
            excludedThread.start();
            runningExcludedTask.start();
            CompletableFuture<Object> seenByEagerPoolTask = new CompletableFuture<>();
            eagerPool.execute(() -> seenByEagerPoolTask.complete(TaskContext.get("request_id")));
            System.out.println("new-thread=" + seenByThread.get(10, TimeUnit.SECONDS));
            System.out.println("pool-task=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println("excluded-thread-class=" + excludedThread.seen.get(10, TimeUnit.SECONDS));
            System.out.println("excluded-target-class=" + excludedTask.seen.get(10, TimeUnit.SECONDS));
            System.out.println("eager-pool-worker=" + eagerPool.workerStartedWith.get(10, TimeUnit.SECONDS));
            System.out.println("eager-pool-task=" + seenByEagerPoolTask.get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    private static List<String> linesPrintedWith(String... jvmArgs) throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of(jvmArgs), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).as("a healthy start prints nothing").isEmpty();
        return result.stdoutLines();
    }

    private static final String EXCLUDED = String.join(";",
            ExcludedThreadBase.class.getName(), ExcludedTask.class.getName(), EagerPool.class.getName());

    /** What Main prints when EXCLUDED is excluded: a subclass of a listed thread class, a listed target, a listed lambda host. */
    private static final List<String> WITH_EXCLUDED_CLASSES = List.of(
            "new-thread=main-1",
            "pool-task=main-1",
            "excluded-thread-class=null",
            "excluded-target-class=null",
            "eager-pool-worker=null",
            "eager-pool-task=main-1");

    @Test
    void byDefaultNewThreadsSeeTheirCreatorValue() throws Exception {
        assertThat(linesPrintedWith("-javaagent:" + JvmRunner.agentJar())).containsExactly(
                "new-thread=main-1",
                "pool-task=main-1",
                "excluded-thread-class=main-1",
                "excluded-target-class=main-1",
                // A worker loop started in a constructor is indistinguishable from application work without the option.
                "eager-pool-worker=main-1",
                "eager-pool-task=main-1");
    }

    @Test
    void threadsOffStartsEveryNewThreadEmpty() throws Exception {
        assertThat(linesPrintedWith("-javaagent:" + JvmRunner.agentJar() + "=threads=off")).containsExactly(
                "new-thread=null",
                "pool-task=main-1",
                "excluded-thread-class=null",
                "excluded-target-class=null",
                "eager-pool-worker=null",
                "eager-pool-task=main-1");
    }

    @Test
    void threadsExcludeStartsListedThreadAndTargetClassesEmpty() throws Exception {
        assertThat(linesPrintedWith("-javaagent:" + JvmRunner.agentJar() + "=threads.exclude=" + EXCLUDED))
                .isEqualTo(WITH_EXCLUDED_CLASSES);
    }

    @Test
    void threadsExcludeAlsoWorksAsSystemProperty() throws Exception {
        assertThat(linesPrintedWith("-Dtaskctx.threads.exclude=" + EXCLUDED, "-javaagent:" + JvmRunner.agentJar()))
                .isEqualTo(WITH_EXCLUDED_CLASSES);
    }
}
