package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import dev.taskctx.internal.Propagation;
import java.io.InputStream;
import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The JDK's task classes that load after the agent carry their binding in a field of their own
 * (option {@code fields}, on by default): a task waiting with a context leaves the side table alone,
 * and the classes stay redefinable by other agents. Tagged {@code forkjoin} so that it also runs in the
 * execution with {@code fields=off}, where every binding waits in the side table.
 */
@Tag("forkjoin")
class BindingFieldTest {

    private static final int TASKS = 50;

    private static boolean fieldsOff() {
        return "off".equals(System.getProperty("taskctx.fields"));
    }

    @Test
    void submittedAndScheduledTasksWaitWithTheirBindingInTheirOwnField() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            pool.execute(() -> Latches.awaitQuietly(release));
            scheduler.execute(() -> Latches.awaitQuietly(release));
            int before = Propagation.boundTasks();
            List<Future<Object>> seen = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                TaskContext.set("request_id", "req-" + i);
                seen.add(pool.submit(() -> TaskContext.get("request_id")));
                seen.add(scheduler.schedule(() -> TaskContext.get("request_id"), 1, TimeUnit.MILLISECONDS));
            }
            TaskContext.clear();
            int waiting = Propagation.boundTasks();
            if (fieldsOff()) {
                assertThat(waiting).as("bindings beside the tasks with fields=off").isGreaterThanOrEqualTo(2 * TASKS);
            } else {
                assertThat(waiting - before).as("bindings beside the tasks").isLessThanOrEqualTo(0);
            }
            release.countDown();
            for (int i = 0; i < TASKS; i++) {
                assertThat(seen.get(2 * i).get(10, TimeUnit.SECONDS)).isEqualTo("req-" + i);
                assertThat(seen.get(2 * i + 1).get(10, TimeUnit.SECONDS)).isEqualTo("req-" + i);
            }
        } finally {
            release.countDown();
            pool.shutdown();
            scheduler.shutdown();
        }
    }

    /** Listed after taskctx: retransforms and redefines the task classes taskctx gave a field. */
    public static final class RedefiningAgent {
        static volatile Instrumentation instrumentation;

        public static void premain(String args, Instrumentation given) {
            instrumentation = given;
        }
    }

    public static final class RedefinedMain {
        public static void main(String[] args) throws Exception {
            report("before");
            Instrumentation instrumentation = RedefiningAgent.instrumentation;
            Class<?> completion = Class.forName("java.util.concurrent.CompletableFuture$Completion");
            instrumentation.retransformClasses(FutureTask.class, ForkJoinTask.class, completion);
            instrumentation.redefineClasses(
                    new ClassDefinition(FutureTask.class, original(FutureTask.class)),
                    new ClassDefinition(ForkJoinTask.class, original(ForkJoinTask.class)),
                    new ClassDefinition(completion, original(completion)));
            report("after");
        }

        private static byte[] original(Class<?> type) throws Exception {
            try (InputStream in = ClassLoader.getSystemResourceAsStream(type.getName().replace('.', '/') + ".class")) {
                return in.readAllBytes();
            }
        }

        private static void report(String when) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(1);
            ForkJoinPool forkJoin = new ForkJoinPool(1);
            TaskContext.set("request_id", when);
            System.out.println(when + " submit=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println(when + " forkjoin=" + forkJoin.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            CompletableFuture<Object> source = new CompletableFuture<>();
            CompletableFuture<Object> stage = source.thenApplyAsync(ignored -> TaskContext.get("request_id"), pool);
            TaskContext.set("request_id", "completer");
            source.complete("done");
            System.out.println(when + " stage=" + stage.get(10, TimeUnit.SECONDS));
            pool.shutdown();
            forkJoin.shutdown();
        }
    }

    @Test
    void taskClassesWithAFieldCanBeRetransformedAndRedefinedByAnotherAgent() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar(),
                "-javaagent:" + JvmRunner.manifestOnlyAgent(RedefiningAgent.class, true)), RedefinedMain.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "before submit=before", "before forkjoin=before", "before stage=before",
                "after submit=after", "after forkjoin=after", "after stage=after");
        assertThat(result.stderr()).isEmpty();
    }
}
