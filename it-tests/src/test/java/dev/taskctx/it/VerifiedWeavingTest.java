package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's woven code passes the JVM's bytecode verifier. JDK classes from the boot loader are not
 * verified by default, so a stack map frame the weaver got wrong would go unnoticed until some JVM
 * verified it; here every instrumented JDK class and application class is verified, in a fresh JVM,
 * and each hand-off family runs once, also through its exception paths.
 */
class VerifiedWeavingTest {

    /** An application executor with an exception path: it rejects every second task. */
    static final class FlakyExecutor implements Executor {
        private int count;

        @Override
        public void execute(Runnable task) {
            if (count++ % 2 == 1) {
                throw new RejectedExecutionException("every second task");
            }
            new Thread(task).start();
        }
    }

    /** An application thread subclass. */
    static final class OwnThread extends Thread {
        final CompletableFuture<Object> seen = new CompletableFuture<>();

        @Override
        public void run() {
            seen.complete(TaskContext.get("request_id"));
        }
    }

    static final class Sum extends RecursiveTask<Integer> {
        private final int from;
        private final int to;

        Sum(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        protected Integer compute() {
            if (!"verified-1".equals(TaskContext.get("request_id"))) {
                throw new IllegalStateException("context lost in fork/join: " + TaskContext.get("request_id"));
            }
            if (to - from <= 4) {
                int sum = 0;
                for (int i = from; i < to; i++) {
                    sum += i;
                }
                return sum;
            }
            int middle = (from + to) / 2;
            Sum left = new Sum(from, middle);
            left.fork();
            return new Sum(middle, to).compute() + left.join();
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            List<String> lines = new ArrayList<>();
            TaskContext.set("request_id", "verified-1");

            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            lines.add("pool=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
            try {
                pool.execute(() -> { });
            } catch (RejectedExecutionException expected) {
                lines.add("shut-down pool rejects, context=" + TaskContext.get("request_id"));
            }

            FlakyExecutor flaky = new FlakyExecutor();
            CompletableFuture<Object> viaFlaky = new CompletableFuture<>();
            flaky.execute(() -> viaFlaky.complete(TaskContext.get("request_id")));
            lines.add("application executor=" + viaFlaky.get(10, TimeUnit.SECONDS));
            try {
                flaky.execute(() -> { });
            } catch (RejectedExecutionException expected) {
                lines.add("application executor throws, context=" + TaskContext.get("request_id"));
            }

            lines.add("fork/join=" + new ForkJoinPool(2).invoke(new Sum(0, 64)));
            lines.add("common pool=" + ForkJoinPool.commonPool().submit(() -> TaskContext.get("request_id")).get());
            CompletableFuture<String> later = new CompletableFuture<>();
            CompletableFuture<Object> dependent = later.thenApply(value -> TaskContext.get("request_id"));
            CompletableFuture<Object> failed = later.thenApply(value -> {
                throw new IllegalStateException("stage fails");
            });
            new Thread(() -> {
                TaskContext.set("request_id", "completer");
                later.complete("done");
            }).start();
            lines.add("dependent stage=" + dependent.get(10, TimeUnit.SECONDS));
            lines.add("failed stage=" + failed.handle((value, error) -> error.getCause().getMessage()).get());
            lines.add("async stage=" + CompletableFuture.supplyAsync(() -> TaskContext.get("request_id")).get());

            ScheduledExecutorService scheduled = Executors.newScheduledThreadPool(1);
            lines.add("scheduled=" + scheduled.schedule(() -> TaskContext.get("request_id"), 1, TimeUnit.MILLISECONDS).get());
            scheduled.shutdown();

            Timer timer = new Timer(true);
            CompletableFuture<Object> viaTimer = new CompletableFuture<>();
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                    viaTimer.complete(TaskContext.get("request_id"));
                }
            }, 1);
            lines.add("timer=" + viaTimer.get(10, TimeUnit.SECONDS));
            timer.cancel();

            OwnThread thread = new OwnThread();
            thread.start();
            lines.add("thread subclass=" + thread.seen.get(10, TimeUnit.SECONDS));

            ExecutorService perTask = Jdk21ThreadsOrNull.newVirtualThreadPerTaskExecutor();
            if (perTask != null) {
                lines.add("virtual thread=" + perTask.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
                perTask.shutdown();
            } else {
                lines.add("virtual thread=verified-1");
            }
            lines.forEach(System.out::println);
        }
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()} where the JDK has it. */
    static final class Jdk21ThreadsOrNull {
        static ExecutorService newVirtualThreadPerTaskExecutor() throws Exception {
            try {
                return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
    }

    @Test
    void everyFamilyRunsWithEveryClassVerified() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+BytecodeVerificationLocal",
                "-XX:+BytecodeVerificationRemote", "-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "pool=verified-1",
                "shut-down pool rejects, context=verified-1",
                "application executor=verified-1",
                "application executor throws, context=verified-1",
                "fork/join=2016",
                "common pool=verified-1",
                "dependent stage=verified-1",
                "failed stage=stage fails",
                "async stage=verified-1",
                "scheduled=verified-1",
                "timer=verified-1",
                "thread subclass=verified-1",
                "virtual thread=verified-1");
        if (Runtime.version().feature() < 21) {
            assertThat(result.stderrLines()).isEmpty();
        } else {
            // Verifying every boot class, JDK 21+ loads the continuation class before any premain: taskctx says so.
            assertThat(result.stderrLines()).allSatisfy(line -> assertThat(line)
                    .startsWith("taskctx: java.lang.VirtualThread$VThreadContinuation was loaded before taskctx"));
        }
    }
}
