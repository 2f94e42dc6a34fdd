package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Agent option {@code mdc}: {@code MDC.put} in the caller shows in the log lines that tasks write,
 * as logback renders them ({@code %X{request_id}}), with no change to the code. Runs in the JVMs
 * started with {@code -javaagent:taskctx.jar=mdc}.
 */
@Tag("mdc")
class MdcPropagationTest {

    private static final Logger log = LoggerFactory.getLogger(MdcPropagationTest.class);

    private final List<ExecutorService> pools = new ArrayList<>();
    private RenderedLog rendered;

    @BeforeEach
    void start() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar=mdc").isTrue();
        MDC.clear();
        rendered = new RenderedLog();
    }

    @AfterEach
    void stop() throws InterruptedException {
        rendered.close();
        MDC.clear();
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private ExecutorService pool(int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        pools.add(pool);
        return pool;
    }

    @Test
    void poolTaskLogsTheSubmittersMdc() throws Exception {
        ExecutorService pool = pool(2);
        MDC.put("request_id", "pool-1");
        pool.submit(() -> log.info("in pool task")).get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly("request_id=pool-1 in pool task");
    }

    @Test
    void completableFutureStagesOnAPoolLogTheCallersMdc() throws Exception {
        ExecutorService pool = pool(2);
        MDC.put("request_id", "cf-1");
        CompletableFuture.supplyAsync(() -> {
            log.info("supplyAsync");
            return 1;
        }, pool).thenApplyAsync(n -> {
            log.info("thenApplyAsync");
            return n + 1;
        }, pool).thenAcceptAsync(n -> log.info("thenAcceptAsync"), pool).get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly(
                "request_id=cf-1 supplyAsync", "request_id=cf-1 thenApplyAsync", "request_id=cf-1 thenAcceptAsync");
    }

    @Test
    void newThreadLogsItsCreatorsMdc() throws Exception {
        MDC.put("request_id", "thread-1");
        Thread thread = new Thread(() -> log.info("in new thread"));
        thread.start();
        thread.join(10_000);
        assertThat(rendered.lines()).containsExactly("request_id=thread-1 in new thread");
    }

    @Test
    void threadSubclassOverridingRunLogsItsCreatorsMdc() throws Exception {
        MDC.put("request_id", "subclass-1");
        Thread thread = new Thread() {
            @Override
            public void run() {
                log.info("in thread subclass");
            }
        };
        thread.start();
        thread.join(10_000);
        assertThat(rendered.lines()).containsExactly("request_id=subclass-1 in thread subclass");
    }

    @Test
    void completableFutureOnTheDefaultExecutorLogsTheCallersMdc() throws Exception {
        MDC.put("request_id", "cf-default-1");
        CompletableFuture.runAsync(() -> log.info("runAsync")).get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly("request_id=cf-default-1 runAsync");
    }

    @Test
    void forkJoinPoolTaskLogsTheSubmittersMdc() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(2);
        pools.add(pool);
        MDC.put("request_id", "fj-1");
        pool.submit(() -> log.info("in fork/join task")).get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly("request_id=fj-1 in fork/join task");
    }

    @Test
    void parallelStreamElementsLogTheCallersMdc() {
        MDC.put("request_id", "stream-1");
        IntStream.range(0, 16).parallel().forEach(i -> log.info("element"));
        assertThat(rendered.lines()).hasSize(16).containsOnly("request_id=stream-1 element");
    }

    @Test
    void virtualThreadLogsItsCreatorsMdc() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+; this run is on JDK " + Runtime.version());
        MDC.put("request_id", "virtual-1");
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Thread thread = (Thread) Class.forName("java.lang.Thread$Builder")
                .getMethod("start", Runnable.class).invoke(builder, (Runnable) () -> log.info("in virtual thread"));
        thread.join(10_000);
        assertThat(rendered.lines()).containsExactly("request_id=virtual-1 in virtual thread");
    }

    @Test
    void mdcPutAfterSubmissionIsNotSeenByTheTask() throws Exception {
        ExecutorService pool = pool(1);
        MDC.put("request_id", "at-submit");
        CompletableFuture<Void> gate = new CompletableFuture<>();
        var done = pool.submit(() -> {
            gate.join();
            log.info("task");
        });
        MDC.put("request_id", "after-submit");
        gate.complete(null);
        done.get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly("request_id=at-submit task");
    }

    @Test
    void taskMdcChangeDoesNotLeakBackToTheCallerOrTheWorker() throws Exception {
        ExecutorService pool = pool(1);
        MDC.put("request_id", "caller-1");
        pool.submit(() -> MDC.put("request_id", "changed-in-task")).get(10, TimeUnit.SECONDS);
        log.info("caller after task");
        MDC.clear();
        pool.submit(() -> log.info("next task without MDC")).get(10, TimeUnit.SECONDS);
        assertThat(rendered.lines()).containsExactly(
                "request_id=caller-1 caller after task", "request_id= next task without MDC");
    }

    @Test
    void taskContextAndMdcTravelTogether() throws Exception {
        ExecutorService pool = pool(1);
        MDC.put("request_id", "both-1");
        TaskContext.set("request_id", "both-1");
        try {
            pool.submit(() -> log.info("task context says {}", TaskContext.get("request_id"))).get(10, TimeUnit.SECONDS);
        } finally {
            TaskContext.clear();
        }
        assertThat(rendered.lines()).containsExactly("request_id=both-1 task context says both-1");
    }
}
