package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Agent option {@code micrometer}: every {@code ThreadLocalAccessor} in Micrometer's
 * {@code ContextRegistry.getInstance()} travels with the task context, with taskctx's copy semantics,
 * and is put back through the accessor's {@code restore}. Runs in the JVMs started with
 * {@code -javaagent:taskctx.jar=micrometer}.
 */
@Tag("micrometer")
class MicrometerAccessorPropagationTest {

    private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

    /** A plain thread-local, registered the way applications register theirs. */
    static final class TenantAccessor implements ThreadLocalAccessor<String> {
        static final String KEY = "it.tenant";

        @Override
        public Object key() {
            return KEY;
        }

        @Override
        public String getValue() {
            return TENANT.get();
        }

        @Override
        public void setValue(String value) {
            TENANT.set(value);
        }

        @Override
        public void setValue() {
            TENANT.remove();
        }
    }

    /**
     * Like Micrometer Observation's accessor: {@code setValue} opens a scope on a per-thread stack, and
     * only {@code restore} closes it; a second {@code setValue} in place of a restore would pile scopes up.
     */
    static final class ScopeAccessor implements ThreadLocalAccessor<String> {
        static final String KEY = "it.scope";
        static final String NO_SCOPE = "(none)";
        static final ThreadLocal<Deque<String>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger restored = new AtomicInteger();
        final List<String> mismatches = new ArrayList<>();

        @Override
        public Object key() {
            return KEY;
        }

        @Override
        public String getValue() {
            String top = OPEN.get().peek();
            return NO_SCOPE.equals(top) ? null : top;
        }

        @Override
        public void setValue(String value) {
            opened.incrementAndGet();
            OPEN.get().push(value);
        }

        @Override
        public void setValue() {
            opened.incrementAndGet();
            OPEN.get().push(NO_SCOPE);
        }

        @Override
        public void restore(String previousValue) {
            close(previousValue);
        }

        @Override
        public void restore() {
            close(null);
        }

        private void close(String expectedAfter) {
            restored.incrementAndGet();
            OPEN.get().pop();
            if (!java.util.Objects.equals(getValue(), expectedAfter)) {
                synchronized (mismatches) {
                    mismatches.add("after restore: " + getValue() + ", expected " + expectedAfter);
                }
            }
        }
    }

    private final List<ExecutorService> pools = new ArrayList<>();
    private final List<Object> registeredKeys = new ArrayList<>();

    @BeforeEach
    void start() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar=micrometer").isTrue();
        register(new TenantAccessor());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Object key : registeredKeys) {
            ContextRegistry.getInstance().removeThreadLocalAccessor(key);
        }
        TENANT.remove();
        ScopeAccessor.OPEN.remove();
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private void register(ThreadLocalAccessor<?> accessor) {
        ContextRegistry.getInstance().registerThreadLocalAccessor(accessor);
        registeredKeys.add(accessor.key());
    }

    private <T extends ExecutorService> T pool(T pool) {
        pools.add(pool);
        return pool;
    }

    private static <V> V inNewThread(Callable<V> task) throws Exception {
        FutureTask<V> result = new FutureTask<>(task);
        Thread thread = new Thread(result);
        thread.start();
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void poolTaskSeesTheSubmittersValueAndTheWorkerKeepsNothing() throws Exception {
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        TENANT.set("pool-1");
        assertThat(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS)).isEqualTo("pool-1");
        TENANT.remove();
        assertThat(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void completableFutureStagesSeeTheCallersValueAndTheWorkerKeepsNothing() throws Exception {
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        TENANT.set("cf-1");
        String seen = CompletableFuture.supplyAsync(TENANT::get, pool)
                .thenApplyAsync(first -> first + "/" + TENANT.get())
                .thenApplyAsync(both -> both + "/" + TENANT.get(), pool)
                .get(10, TimeUnit.SECONDS);
        assertThat(seen).isEqualTo("cf-1/cf-1/cf-1");
        TENANT.remove();
        assertThat(CompletableFuture.supplyAsync(TENANT::get, pool).get(10, TimeUnit.SECONDS)).isNull();
        assertThat(CompletableFuture.supplyAsync(TENANT::get).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void newThreadSeesItsCreatorsValue() throws Exception {
        TENANT.set("thread-1");
        assertThat(inNewThread(TENANT::get)).isEqualTo("thread-1");
        TENANT.remove();
        assertThat(inNewThread(TENANT::get)).isNull();
    }

    /** Reads the tenant in a forked subtask and in itself. */
    static final class ForkedRead extends RecursiveTask<String> {
        private final boolean fork;

        ForkedRead(boolean fork) {
            this.fork = fork;
        }

        @Override
        protected String compute() {
            if (!fork) {
                return TENANT.get();
            }
            ForkedRead child = new ForkedRead(false);
            child.fork();
            return TENANT.get() + "/" + child.join();
        }
    }

    @Test
    void forkJoinTasksSeeTheSubmittersValueAndTheWorkerKeepsNothing() throws Exception {
        ForkJoinPool pool = pool(new ForkJoinPool(2));
        TENANT.set("fj-1");
        assertThat(pool.submit(new ForkedRead(true)).get(10, TimeUnit.SECONDS)).isEqualTo("fj-1/fj-1");
        TENANT.remove();
        assertThat(pool.submit(new ForkedRead(true)).get(10, TimeUnit.SECONDS)).isEqualTo("null/null");
    }

    @Test
    void whatATaskSetsStaysInTheTask() throws Exception {
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        TENANT.set("submitter");
        assertThat(pool.submit(() -> {
            TENANT.set("changed-in-task");
            return TENANT.get();
        }).get(10, TimeUnit.SECONDS)).isEqualTo("changed-in-task");
        assertThat(TENANT.get()).isEqualTo("submitter");
        TENANT.remove();
        assertThat(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void accessorRegisteredLaterIsCarriedFromTheNextHandOff() throws Exception {
        ThreadLocal<String> late = new ThreadLocal<>();
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        late.set("late-1");
        assertThat(pool.submit(late::get).get(10, TimeUnit.SECONDS)).isNull();
        ContextRegistry.getInstance().registerThreadLocalAccessor("it.late", late);
        registeredKeys.add("it.late");
        assertThat(pool.submit(late::get).get(10, TimeUnit.SECONDS)).isEqualTo("late-1");
        ContextRegistry.getInstance().removeThreadLocalAccessor("it.late");
        assertThat(pool.submit(late::get).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void scopeIsClosedThroughRestoreOnEveryHandOff() throws Exception {
        ScopeAccessor scopes = new ScopeAccessor();
        register(scopes);
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        ForkJoinPool forkJoin = pool(new ForkJoinPool(1));
        ScopeAccessor.OPEN.get().push("span-1");
        Callable<String> probe = () -> scopes.getValue() + " depth=" + ScopeAccessor.OPEN.get().size();

        assertThat(pool.submit(probe).get(10, TimeUnit.SECONDS)).isEqualTo("span-1 depth=1");
        assertThat(CompletableFuture.supplyAsync(() -> call(probe), pool).get(10, TimeUnit.SECONDS))
                .isEqualTo("span-1 depth=1");
        assertThat(forkJoin.submit(probe).get(10, TimeUnit.SECONDS)).isEqualTo("span-1 depth=1");
        assertThat(inNewThread(probe)).isEqualTo("span-1 depth=1");
        // Installed into a thread that has the same scope open: one more scope, closed again by restore.
        assertThat(TaskContext.capture().call(probe)).isEqualTo("span-1 depth=2");

        assertThat(ScopeAccessor.OPEN.get()).containsExactly("span-1");
        ScopeAccessor.OPEN.get().clear();
        // Each worker is back to no scope: nothing left open, nothing closed twice.
        assertThat(pool.submit(probe).get(10, TimeUnit.SECONDS)).isEqualTo("null depth=0");
        assertThat(forkJoin.submit(probe).get(10, TimeUnit.SECONDS)).isEqualTo("null depth=0");
        // The new thread's install is never restored (the thread ends); every other one is, once.
        assertThat(scopes.opened.get()).isEqualTo(5);
        assertThat(scopes.restored.get()).isEqualTo(4);
        assertThat(scopes.mismatches).isEmpty();
    }

    private static <V> V call(Callable<V> task) {
        try {
            return task.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails in every call. */
    static final class FailingAccessor implements ThreadLocalAccessor<String> {
        @Override
        public Object key() {
            return "it.failing";
        }

        @Override
        public String getValue() {
            throw new IllegalStateException("broken accessor");
        }

        @Override
        public void setValue(String value) {
            throw new IllegalStateException("broken accessor");
        }

        @Override
        public void setValue() {
            throw new IllegalStateException("broken accessor");
        }
    }

    @Test
    void throwingAccessorIsReportedOnceAndSkipped() throws Exception {
        ExecutorService pool = pool(Executors.newSingleThreadExecutor());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        register(new FailingAccessor());
        TENANT.set("despite-failure");
        List<String> seen = new ArrayList<>();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            seen.add(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS));
            seen.add(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS));
            seen.add(inNewThread(TENANT::get));
        } finally {
            System.setErr(originalErr);
        }
        assertThat(seen).containsExactly("despite-failure", "despite-failure", "despite-failure");
        List<String> lines = Arrays.asList(err.toString(StandardCharsets.UTF_8).split("\\R"));
        assertThat(lines).filteredOn(line -> line.startsWith("taskctx:")).singleElement().asString()
                .contains(FailingAccessor.class.getName(), "getValue()", "broken accessor");
    }
}
