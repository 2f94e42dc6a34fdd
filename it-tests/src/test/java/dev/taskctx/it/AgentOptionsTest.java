package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The README's option table, one option per test: each starts a JVM with the option as an agent argument
 * (or system property) and reads what tasks saw, and what the agent printed on stderr.
 */
class AgentOptionsTest {

    /** An application executor with its own queue and a worker started before any context is set. */
    public static final class QueueExecutor implements Executor {
        private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();

        public QueueExecutor() {
            Thread worker = new Thread(() -> {
                try {
                    while (true) {
                        queue.take().run();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "queue-executor");
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }
    }

    /** Prints what a pool task, a new thread and an application executor saw of TaskContext and MDC. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
            // Started before any context is set: with executors=off, a worker created by submit would inherit it.
            pool.prestartAllCoreThreads();
            Executor queue = new QueueExecutor();
            TaskContext.set("request_id", "req-1");
            MDC.put("request_id", "req-1");
            System.out.println("pool-taskctx=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println("pool-mdc=" + pool.submit(() -> MDC.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println("thread-taskctx=" + inNewThread(() -> TaskContext.get("request_id")));
            System.out.println("thread-mdc=" + inNewThread(() -> MDC.get("request_id")));
            CompletableFuture<Object> seen = new CompletableFuture<>();
            queue.execute(() -> seen.complete(TaskContext.get("request_id")));
            System.out.println("queue-taskctx=" + seen.get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }

        private static Object inNewThread(Supplier<Object> read) throws InterruptedException {
            Object[] seen = new Object[1];
            Thread thread = new Thread(() -> seen[0] = read.get());
            thread.start();
            thread.join(10_000);
            return seen[0];
        }
    }

    private static JvmRunner.Result runWith(String agentArguments, String... jvmArgs) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(jvmArgs));
        args.add("-javaagent:" + JvmRunner.agentJar() + (agentArguments.isEmpty() ? "" : "=" + agentArguments));
        JvmRunner.Result result = JvmRunner.run(args, Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result;
    }

    @Test
    void healthyStartWithDefaultsPrintsNothingAndLeavesMdcAlone() throws Exception {
        JvmRunner.Result result = runWith("");
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdoutLines()).containsExactly("pool-taskctx=req-1", "pool-mdc=null",
                "thread-taskctx=req-1", "thread-mdc=null", "queue-taskctx=req-1");
    }

    @Test
    void mdcOptionCarriesMdcAndPrintsNothing() throws Exception {
        JvmRunner.Result result = runWith("mdc");
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdoutLines()).contains("pool-mdc=req-1", "thread-mdc=req-1");
    }

    @Test
    void systemPropertyTurnsAnOptionOn() throws Exception {
        JvmRunner.Result result = runWith("", "-Dtaskctx.mdc=on");
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdoutLines()).contains("pool-mdc=req-1", "thread-mdc=req-1");
    }

    @Test
    void agentArgumentWinsOverSystemProperty() throws Exception {
        JvmRunner.Result result = runWith("mdc=off", "-Dtaskctx.mdc=on");
        assertThat(result.stdoutLines()).contains("pool-mdc=null", "thread-mdc=null");
    }

    @Test
    void debugPrintsEachInstrumentedClassAndOneStartUpLine() throws Exception {
        JvmRunner.Result result = runWith("debug,mdc");
        assertThat(result.stderrLines()).allMatch(line -> line.startsWith("taskctx: "));
        assertThat(result.stderrLines()).filteredOn(line -> line.startsWith("taskctx: agent active"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches(java.util.regex.Pattern.quote("taskctx: agent active; hand-off families: executors, forkjoin, "
                        + "completablefuture, scheduled, timer, guava, netty, channels, jetty, tomcat, httpserver, netty.inbound, undertow, vertx, helidon, springkafka, reactor, grpc, coroutines, threads, mdc, fields, lambdafields") + "; installed in \\d+ ms");
        assertThat(result.stderrLines()).contains(
                "taskctx: instrumented java.util.concurrent.ThreadPoolExecutor",
                "taskctx: instrumented java.lang.Thread",
                "taskctx: instrumented java.lang.invoke.InnerClassLambdaMetafactory",
                "taskctx: instrumented org.slf4j.MDC",
                "taskctx: instrumented " + QueueExecutor.class.getName());
        assertThat(result.stdoutLines()).contains("pool-mdc=req-1");
    }

    @Test
    void familiesSwitchedOffAreNotInstalled() throws Exception {
        JvmRunner.Result result = runWith("debug,forkjoin=off,completablefuture=off,scheduled=off,timer=off,"
                + "guava=off,netty=off,channels=off,jetty=off,tomcat=off,httpserver=off,netty.inbound=off,undertow=off,vertx=off,helidon=off,springkafka=off,reactor=off,grpc=off,coroutines=off,fields=off,lambdafields=off");
        assertThat(result.stderrLines()).filteredOn(line -> line.startsWith("taskctx: agent active"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches(java.util.regex.Pattern.quote("taskctx: agent active; hand-off families: executors, threads")
                        + "; installed in \\d+ ms");
        assertThat(result.stderrLines()).noneMatch(line -> line.startsWith("taskctx: instrumented java.util.concurrent.ForkJoin")
                // CompletableFuture$ThreadPerTaskExecutor belongs to the executors family
                || (line.startsWith("taskctx: instrumented java.util.concurrent.CompletableFuture")
                        && !line.endsWith("$ThreadPerTaskExecutor"))
                || line.startsWith("taskctx: instrumented java.util.concurrent.ScheduledThreadPoolExecutor")
                || line.startsWith("taskctx: instrumented java.util.Timer")
                || line.startsWith("taskctx: instrumented java.lang.invoke."));
    }

    @Test
    void everyFamilyAloneStartsCleanly() throws Exception {
        List<String> families = List.of("executors", "threads", "forkjoin", "completablefuture", "scheduled", "timer",
                "guava", "netty", "channels", "coroutines", "fields", "lambdafields", "apicopies");
        for (String family : families) {
            StringBuilder others = new StringBuilder();
            for (String other : families) {
                if (!other.equals(family)) {
                    others.append(others.length() == 0 ? "" : ",").append(other).append("=off");
                }
            }
            JvmRunner.Result result = runWith(others.toString());
            assertThat(result.stderr()).as("stderr with %s alone", family).isEmpty();
            assertThat(result.stdoutLines()).as("stdout with %s alone", family).hasSize(5);
        }
    }

    @Test
    void unknownOptionIsReportedInOneLineAndTheAgentRunsOn() throws Exception {
        JvmRunner.Result result = runWith("bogus");
        assertThat(result.stderrLines()).singleElement().asString()
                .startsWith("taskctx: unknown agent option 'bogus'; valid options are debug, executors,");
        assertThat(result.stdoutLines()).contains("pool-taskctx=req-1");
    }

    @Test
    void badValueIsReportedInOneLineAndTheDefaultUsed() throws Exception {
        JvmRunner.Result result = runWith("mdc=maybe");
        assertThat(result.stderrLines()).containsExactly(
                "taskctx: bad value in agent option 'mdc=maybe': 'mdc' takes on or off; using off");
        assertThat(result.stdoutLines()).contains("pool-mdc=null");
    }

    @Test
    void aTopicNameKafkaRejectsIsReportedInOneLine() throws Exception {
        JvmRunner.Result result = runWith("baggage.out=rid,baggage.topics=orders;or ders");
        assertThat(result.stderrLines()).containsExactly(
                "taskctx: bad value in agent option 'baggage.topics=orders;or ders': 'or ders' is not a Kafka topic name"
                        + " (up to 249 letters, digits, '.', '_', '-'); list baggage.topics as name;name; using none",
                "taskctx: agent option baggage.out is given without baggage.hosts or baggage.topics, so no request"
                        + " or record carries baggage; list the hosts that may receive those values as"
                        + " baggage.hosts=host;host, the Kafka topics whose records may carry them as baggage.topics=topic;topic");
        assertThat(result.stdoutLines()).contains("pool-taskctx=req-1");
    }

    @Test
    void executorsOffStopsPropagationThroughExecutors() throws Exception {
        JvmRunner.Result result = runWith("executors=off");
        assertThat(result.stdoutLines()).contains("pool-taskctx=null", "queue-taskctx=null", "thread-taskctx=req-1");
    }

    @Test
    void executorsExcludeLeavesThatExecutorUninstrumented() throws Exception {
        JvmRunner.Result result = runWith("executors.exclude=" + QueueExecutor.class.getName());
        assertThat(result.stdoutLines()).contains("pool-taskctx=req-1", "queue-taskctx=null");
    }

    @Test
    void threadsOffStartsNewThreadsEmpty() throws Exception {
        JvmRunner.Result result = runWith("threads=off,mdc");
        assertThat(result.stdoutLines()).contains("thread-taskctx=null", "thread-mdc=null", "pool-mdc=req-1");
    }
}
