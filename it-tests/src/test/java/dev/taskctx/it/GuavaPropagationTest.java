package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.ListeningExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import dev.taskctx.TaskContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guava's {@code ListenableFuture} (33.8): a listener, callback or derived future registered on a
 * pending future runs with the context of the code that registered it, never with the context of the
 * thread that completes the future, on {@code directExecutor()} (inline, in the completing thread)
 * and on a pool.
 */
class GuavaPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private Executor executor(String kind) {
        return kind.equals("directExecutor") ? MoreExecutors.directExecutor()
                : pools.add(Executors.newFixedThreadPool(2));
    }

    /** Completes {@code future} from a new thread whose own context is {@code rid=completer}. */
    private static void completeFromOtherContext(Consumer<SettableFuture<String>> completion, SettableFuture<String> future)
            throws InterruptedException {
        Thread completer = new Thread(() -> {
            TaskContext.set("rid", "completer");
            completion.accept(future);
        }, "completer");
        completer.start();
        completer.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(completer.isAlive()).isFalse();
    }

    private static void succeedFromOtherContext(SettableFuture<String> future) throws InterruptedException {
        completeFromOtherContext(pending -> pending.set("value"), future);
    }

    @Test
    void listeningDecoratorSubmitSeesSubmitterValue() throws Exception {
        ListeningExecutorService service = MoreExecutors.listeningDecorator(pools.add(Executors.newFixedThreadPool(1)));
        TaskContext.set("rid", "decorated-1");
        ListenableFuture<Object> seen = service.submit(() -> TaskContext.get("rid"));
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("decorated-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void addListenerRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "registering");
        future.addListener(() -> seen.complete(TaskContext.get("rid")), executor);
        TaskContext.clear();
        succeedFromOtherContext(future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void addCallbackRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "registering");
        Futures.addCallback(future, new FutureCallback<String>() {
            @Override
            public void onSuccess(String result) {
                seen.complete(TaskContext.get("rid"));
            }

            @Override
            public void onFailure(Throwable failure) {
                seen.completeExceptionally(failure);
            }
        }, executor);
        TaskContext.clear();
        succeedFromOtherContext(future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void transformRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        TaskContext.set("rid", "registering");
        ListenableFuture<Object> seen = Futures.transform(future, value -> TaskContext.get("rid"), executor);
        TaskContext.clear();
        succeedFromOtherContext(future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void transformAsyncRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        TaskContext.set("rid", "registering");
        ListenableFuture<Object> seen = Futures.transformAsync(future,
                value -> Futures.immediateFuture(TaskContext.get("rid")), executor);
        TaskContext.clear();
        succeedFromOtherContext(future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void catchingRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        TaskContext.set("rid", "registering");
        ListenableFuture<Object> seen = Futures.catching(future, IllegalStateException.class,
                failure -> TaskContext.get("rid"), executor);
        TaskContext.clear();
        completeFromOtherContext(pending -> pending.setException(new IllegalStateException("failed")), future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void whenAllCompleteRunsWithRegisteringContext(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> first = SettableFuture.create();
        SettableFuture<String> second = SettableFuture.create();
        TaskContext.set("rid", "registering");
        ListenableFuture<Object> seen = Futures.whenAllComplete(first, second).call(() -> TaskContext.get("rid"), executor);
        TaskContext.clear();
        succeedFromOtherContext(first);
        succeedFromOtherContext(second);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest
    @ValueSource(strings = {"directExecutor", "pool"})
    void completingThreadKeepsItsOwnContextAfterListenersRan(String kind) throws Exception {
        Executor executor = executor(kind);
        SettableFuture<String> future = SettableFuture.create();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "registering");
        future.addListener(() -> {
            TaskContext.set("rid", "set-by-listener");
            seen.complete(null);
        }, executor);
        TaskContext.clear();
        CompletableFuture<Object> completerAfter = new CompletableFuture<>();
        completeFromOtherContext(pending -> {
            pending.set("value");
            completerAfter.complete(TaskContext.get("rid"));
        }, future);
        seen.get(10, TimeUnit.SECONDS);
        assertThat(completerAfter.get(10, TimeUnit.SECONDS)).isEqualTo("completer");
    }

    @Test
    void poolWorkerDoesNotKeepListenerContext() throws Exception {
        ExecutorService pool = pools.add(Executors.newFixedThreadPool(1));
        SettableFuture<String> future = SettableFuture.create();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "registering");
        future.addListener(() -> {
            TaskContext.set("step", "set-by-listener");
            seen.complete(TaskContext.get("rid"));
        }, pool);
        TaskContext.clear();
        succeedFromOtherContext(future);
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
        assertThat(pool.submit(TaskContext::asMap).get(10, TimeUnit.SECONDS)).as("a later task without a context").isEmpty();
    }
}
