package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CompletableFuture: async stages see the context of the code that created them; a dependent stage
 * registered on an incomplete future runs with the registering code's context, whichever thread
 * completes the future.
 */
@Tag("forkjoin")
class CompletableFuturePropagationTest {

    private ExecutorService pool;

    @BeforeEach
    void start() throws Exception {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        pool = Executors.newFixedThreadPool(1);
        pool.submit(() -> null).get(10, TimeUnit.SECONDS); // the worker exists before any context is set
    }

    @AfterEach
    void stop() throws InterruptedException {
        TaskContext.clear();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Object get(CompletableFuture<?> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    /** Completes {@code future} with {@code value} from a new thread whose own context is {@code request_id=completer}. */
    private static <T> void completeFromOtherThread(CompletableFuture<T> future, T value) throws InterruptedException {
        Thread completer = new Thread(() -> {
            TaskContext.set("request_id", "completer");
            future.complete(value);
        });
        completer.start();
        completer.join(10_000);
    }

    @Test
    void supplyAsyncOnDefaultExecutorSeesCallerValue() throws Exception {
        TaskContext.set("request_id", "supply-default");
        assertThat(get(CompletableFuture.supplyAsync(() -> TaskContext.get("request_id")))).isEqualTo("supply-default");
    }

    @Test
    void supplyAsyncOnGivenExecutorSeesCallerValue() throws Exception {
        TaskContext.set("request_id", "supply-given");
        assertThat(get(CompletableFuture.supplyAsync(() -> TaskContext.get("request_id"), pool))).isEqualTo("supply-given");
    }

    @Test
    void asyncStageOnCompletedFutureSeesCallerValue() throws Exception {
        TaskContext.set("request_id", "apply-async");
        CompletableFuture<Object> stage = CompletableFuture.completedFuture("x")
                .thenApplyAsync(x -> TaskContext.get("request_id"));
        assertThat(get(stage)).isEqualTo("apply-async");
        CompletableFuture<Object> onGiven = CompletableFuture.completedFuture("x")
                .thenApplyAsync(x -> TaskContext.get("request_id"), pool);
        assertThat(get(onGiven)).isEqualTo("apply-async");
    }

    @Test
    void delayedExecutorSeesCallerValue() throws Exception {
        TaskContext.set("request_id", "delayed");
        CompletableFuture<Object> onDefault = CompletableFuture.supplyAsync(() -> TaskContext.get("request_id"),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        CompletableFuture<Object> onGiven = CompletableFuture.supplyAsync(() -> TaskContext.get("request_id"),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, pool));
        assertThat(get(onDefault)).isEqualTo("delayed");
        assertThat(get(onGiven)).isEqualTo("delayed");
    }

    @Test
    void thenApplyRegisteredByOneThreadSeesItsValueWhenAnotherThreadCompletes() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        TaskContext.set("request_id", "registrant");
        CompletableFuture<Object> dependent = source.thenApply(x -> TaskContext.get("request_id"));
        TaskContext.clear();
        completeFromOtherThread(source, "done");
        assertThat(get(dependent)).isEqualTo("registrant");
    }

    @Test
    void whenCompleteRegisteredByOneThreadSeesItsValueWhenAnotherThreadCompletes() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        AtomicReference<Object> seen = new AtomicReference<>();
        TaskContext.set("request_id", "when-complete");
        CompletableFuture<String> dependent = source.whenComplete((v, e) -> seen.set(TaskContext.get("request_id")));
        TaskContext.clear();
        completeFromOtherThread(source, "done");
        get(dependent);
        assertThat(seen.get()).isEqualTo("when-complete");
    }

    @Test
    void exceptionallyRegisteredByOneThreadSeesItsValueWhenAnotherThreadFails() throws Exception {
        CompletableFuture<Object> source = new CompletableFuture<>();
        TaskContext.set("request_id", "exceptionally");
        CompletableFuture<Object> dependent = source.exceptionally(e -> TaskContext.get("request_id"));
        TaskContext.clear();
        Thread failer = new Thread(() -> {
            TaskContext.set("request_id", "completer");
            source.completeExceptionally(new IllegalStateException("failed"));
        });
        failer.start();
        failer.join(10_000);
        assertThat(get(dependent)).isEqualTo("exceptionally");
    }

    @Test
    void thenCombineRegisteredByOneThreadSeesItsValueWhenAnotherThreadCompletesBoth() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        TaskContext.set("request_id", "combine");
        CompletableFuture<Object> dependent = first.thenCombine(second, (a, b) -> TaskContext.get("request_id"));
        TaskContext.clear();
        completeFromOtherThread(first, "a");
        completeFromOtherThread(second, "b");
        assertThat(get(dependent)).isEqualTo("combine");
    }

    @Test
    void applyToEitherRegisteredByOneThreadSeesItsValueWhenAnotherThreadCompletesOne() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        TaskContext.set("request_id", "either");
        CompletableFuture<Object> dependent = first.applyToEither(second, x -> TaskContext.get("request_id"));
        TaskContext.clear();
        completeFromOtherThread(second, "b");
        assertThat(get(dependent)).isEqualTo("either");
    }

    @Test
    void chainOfDependentStagesEachSeeTheirRegistrantsValue() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        TaskContext.set("request_id", "first-registrant");
        CompletableFuture<Object> firstSeen = source.thenApply(x -> TaskContext.get("request_id"));
        TaskContext.set("request_id", "second-registrant");
        CompletableFuture<Object> secondSeen = firstSeen.thenApply(x -> x + "/" + TaskContext.get("request_id"));
        TaskContext.clear();
        completeFromOtherThread(source, "done");
        assertThat(get(secondSeen)).isEqualTo("first-registrant/second-registrant");
    }

    @Test
    void asyncStageRegisteredByOneThreadSeesItsValueWhenAnotherThreadCompletes() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        TaskContext.set("request_id", "async-registrant");
        CompletableFuture<Object> onDefault = source.thenApplyAsync(x -> TaskContext.get("request_id"));
        CompletableFuture<Object> onGiven = source.thenApplyAsync(x -> TaskContext.get("request_id"), pool);
        TaskContext.clear();
        completeFromOtherThread(source, "done");
        assertThat(get(onDefault)).isEqualTo("async-registrant");
        assertThat(get(onGiven)).isEqualTo("async-registrant");
    }

    @Test
    void dependentStageRegisteredWithoutContextSeesNoneOfTheCompletersValue() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        CompletableFuture<Object> dependent = source.thenApply(x -> TaskContext.get("request_id", "none"));
        completeFromOtherThread(source, "done");
        assertThat(get(dependent)).isEqualTo("none");
    }

    @Test
    void completingThreadKeepsItsOwnContextAfterCallbacksRan() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        TaskContext.set("request_id", "registrant");
        source.thenAccept(x -> TaskContext.set("request_id", "changed-by-callback"));
        TaskContext.set("request_id", "completer");
        source.complete("done");
        assertThat(TaskContext.get("request_id")).isEqualTo("completer");
    }

    @Test
    void dependentStageOnSupplyAsyncResultSeesRegistrantValueNotTheSuppliers() throws Exception {
        CountDownLatch registered = new CountDownLatch(1);
        TaskContext.set("request_id", "supplier");
        CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> {
            try {
                registered.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "supplied";
        }, pool);
        TaskContext.set("request_id", "registrant");
        CompletableFuture<Object> dependent = source.thenApply(x -> TaskContext.get("request_id"));
        registered.countDown();
        assertThat(get(dependent)).isEqualTo("registrant");
    }

    @Test
    void thenComposeInnerStageSeesRegistrantValue() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        TaskContext.set("request_id", "compose");
        Function<String, CompletableFuture<Object>> inner = x -> CompletableFuture.supplyAsync(() -> TaskContext.get("request_id"), pool);
        CompletableFuture<Object> dependent = source.thenCompose(inner);
        TaskContext.clear();
        completeFromOtherThread(source, "done");
        assertThat(get(dependent)).isEqualTo("compose");
    }
}
