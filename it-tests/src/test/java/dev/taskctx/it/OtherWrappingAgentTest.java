package dev.taskctx.it;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import org.junit.jupiter.api.Test;

/**
 * Another agent that replaces the task at Executor.execute with a wrapper of its own (as
 * TransmittableThreadLocal's agent does): every hand-off propagates with that agent listed before or
 * after taskctx, because taskctx weaves a class as it loads before any retransformation-capable
 * agent does, so the other agent's code runs first and taskctx binds the task that is queued
 * (README, Troubleshooting).
 */
class OtherWrappingAgentTest {

    /** The other agent: wraps every task handed to ThreadPoolExecutor.execute and to ThreadPerTaskExecutor.execute. */
    public static final class TaskWrappingAgent {
        public static void premain(String args, Instrumentation instrumentation) {
            new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .ignore(none())
                    .type(named("java.util.concurrent.ThreadPoolExecutor").or(named(ThreadPerTaskExecutor.class.getName())))
                    .transform((builder, type, loader, module, domain) -> builder.visit(
                            Advice.to(WrapTask.class).on(named("execute").and(takesArguments(Runnable.class)))))
                    .installOn(instrumentation);
        }
    }

    static final class WrapTask {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = new FutureTask<Object>(task, null);
        }
    }

    public static final class ThreadPerTaskExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            new Thread(task).start();
        }
    }

    /** Reports the class of the task the worker runs, to show that the other agent wrapped it. */
    static final class ObservingPool extends ThreadPoolExecutor {
        volatile String taskClassInWorker;
        volatile Runnable taskInWorker;

        ObservingPool() {
            super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            taskClassInWorker = task.getClass().getSimpleName();
            taskInWorker = task;
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            ObservingPool pool = new ObservingPool();
            TaskContext.set("request_id", "two-agents");
            System.out.println("thread-pool-executor=" + seenVia(pool) + " (worker ran a " + pool.taskClassInWorker + ")");
            System.out.println("own-executor=" + seenVia(new ThreadPerTaskExecutor()));
            Object[] seen = new Object[1];
            Thread thread = new Thread(() -> seen[0] = TaskContext.get("request_id"));
            thread.start();
            thread.join();
            System.out.println("new-thread=" + seen[0]);
            pool.shutdown();
        }

        static Object seenVia(Executor executor) throws Exception {
            CompletableFuture<Object> seen = new CompletableFuture<>();
            executor.execute(() -> seen.complete(TaskContext.get("request_id")));
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    /** Both agents at work: TransmittableThreadLocal's agent carries its own values, taskctx its context. */
    public static final class TtlMain {
        public static void main(String[] args) throws Exception {
            com.alibaba.ttl.TransmittableThreadLocal<String> ttl = new com.alibaba.ttl.TransmittableThreadLocal<>();
            ObservingPool pool = new ObservingPool();
            TaskContext.set("request_id", "with-ttl");
            ttl.set("ttl-value");
            CompletableFuture<Object> seen = new CompletableFuture<>();
            Runnable task = () -> seen.complete(TaskContext.get("request_id"));
            pool.execute(task);
            System.out.println("thread-pool-executor=" + seen.get(10, TimeUnit.SECONDS));
            // TTL's agent unwraps its TtlRunnable for beforeExecute/afterExecute.
            System.out.println("beforeExecute-saw-the-submitted-task=" + (pool.taskInWorker == task));
            System.out.println("ttl-in-pool=" + pool.submit(ttl::get).get(10, TimeUnit.SECONDS));
            System.out.println("own-executor=" + Main.seenVia(new ThreadPerTaskExecutor()));
            System.out.println("completable-future=" + CompletableFuture.supplyAsync(
                    () -> TaskContext.get("request_id"), pool).get(10, TimeUnit.SECONDS));
            System.out.println("common-pool=" + CompletableFuture.supplyAsync(
                    () -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            TaskContext.clear();
            System.out.println("after-clear=" + seenVia(pool));
            pool.shutdown();
        }

        private static Object seenVia(Executor executor) throws Exception {
            return Main.seenVia(executor);
        }
    }

    /** The TransmittableThreadLocal jar, its own agent (a test dependency). */
    private static String ttlAgentJar() throws Exception {
        return Path.of(com.alibaba.ttl.TransmittableThreadLocal.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    private static JvmRunner.Result runWithTtl(boolean ttlFirst) throws Exception {
        String taskctx = "-javaagent:" + JvmRunner.agentJar();
        String ttl = "-javaagent:" + ttlAgentJar();
        return JvmRunner.run(List.of(ttlFirst ? ttl : taskctx, ttlFirst ? taskctx : ttl), TtlMain.class);
    }

    private static void assertBothAgentsPropagate(JvmRunner.Result result) {
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "thread-pool-executor=with-ttl",
                "beforeExecute-saw-the-submitted-task=true",
                "ttl-in-pool=ttl-value",
                "own-executor=with-ttl",
                "completable-future=with-ttl",
                "common-pool=with-ttl",
                "after-clear=null");
    }

    @Test
    void withTheTtlAgentListedFirstBothAgentsPropagate() throws Exception {
        assertBothAgentsPropagate(runWithTtl(true));
    }

    @Test
    void withTheTtlAgentListedSecondBothAgentsPropagate() throws Exception {
        assertBothAgentsPropagate(runWithTtl(false));
    }

    private static JvmRunner.Result run(boolean otherAgentFirst) throws Exception {
        Path other = JvmRunner.manifestOnlyAgent(TaskWrappingAgent.class, true);
        String taskctx = "-javaagent:" + JvmRunner.agentJar();
        String wrapping = "-javaagent:" + other;
        return JvmRunner.run(List.of("-Dnet.bytebuddy.safe=true",
                otherAgentFirst ? wrapping : taskctx, otherAgentFirst ? taskctx : wrapping), Main.class);
    }

    @Test
    void withTaskctxListedFirstEveryHandOffPropagates() throws Exception {
        JvmRunner.Result result = run(false);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "thread-pool-executor=two-agents (worker ran a FutureTask)",
                "own-executor=two-agents",
                "new-thread=two-agents");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void withTheWrappingAgentListedFirstEveryHandOffPropagates() throws Exception {
        JvmRunner.Result result = run(true);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "thread-pool-executor=two-agents (worker ran a FutureTask)",
                "own-executor=two-agents",
                "new-thread=two-agents");
        assertThat(result.stderrLines()).isEmpty();
    }
}
