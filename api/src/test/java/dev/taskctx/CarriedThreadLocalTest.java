package dev.taskctx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SPI without the agent: a registered thread-local travels with explicit propagation, as copies. */
class CarriedThreadLocalTest {

    private static final ThreadLocal<String> TENANT = TenantThreadLocal.TENANT;
    private static final CarriedThreadLocal<String> TENANT_ACCESSOR = TenantThreadLocal.ACCESSOR;

    private ExecutorService pool;

    @BeforeEach
    void register() {
        TaskContext.register(TENANT_ACCESSOR);
        pool = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void unregister() throws InterruptedException {
        TaskContext.unregister(TENANT_ACCESSOR);
        TENANT.remove();
        TaskContext.clear();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void wrappedTaskSeesRegisteredThreadLocalOfItsSubmitter() throws Exception {
        TENANT.set("tenant-a");
        assertThat(pool.submit(TaskContext.capture().wrap(TENANT::get)).get(10, TimeUnit.SECONDS)).isEqualTo("tenant-a");
    }

    @Test
    void workerThreadLocalIsBackAfterTheTask() throws Exception {
        pool.submit(() -> TENANT.set("worker-own")).get(10, TimeUnit.SECONDS);
        TENANT.set("tenant-b");
        pool.submit(TaskContext.capture().wrap(() -> { })).get(10, TimeUnit.SECONDS);
        assertThat(pool.submit(TENANT::get).get(10, TimeUnit.SECONDS)).isEqualTo("worker-own");
    }

    @Test
    void taskWithoutValueRunsWithTheThreadLocalCleared() throws Exception {
        pool.submit(() -> TENANT.set("worker-own")).get(10, TimeUnit.SECONDS);
        assertThat(pool.submit(TaskContext.capture().wrap(TENANT::get)).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void taskChangeDoesNotLeakBackToTheSubmitter() {
        TENANT.set("before");
        TaskContext.capture().run(() -> TENANT.set("changed-by-task"));
        assertThat(TENANT.get()).isEqualTo("before");
    }

    @Test
    void valueSetAfterCaptureIsNotSeenByTheTask() throws Exception {
        TENANT.set("at-capture");
        Snapshot snapshot = TaskContext.capture();
        TENANT.set("later");
        assertThat(pool.submit(snapshot.wrap(TENANT::get)).get(10, TimeUnit.SECONDS)).isEqualTo("at-capture");
    }

    @Test
    void taskContextSetLeavesRegisteredThreadLocalAlone() {
        TENANT.set("kept");
        TaskContext.set("request_id", "r-1");
        TaskContext.remove("request_id");
        TaskContext.clear();
        assertThat(TENANT.get()).isEqualTo("kept");
    }

    @Test
    void sharedScopeKeepsRegisteredThreadLocal() {
        TENANT.set("tenant-shared");
        String[] seen = new String[1];
        TaskContext.runShared(() -> seen[0] = TENANT.get());
        assertThat(seen[0]).isEqualTo("tenant-shared");
        assertThat(TENANT.get()).isEqualTo("tenant-shared");
    }

    @Test
    void captureWithAbsentValueIsTheContextItself() {
        TaskContext.set("request_id", "r-2");
        assertThat(TaskContext.capture()).isSameAs(TaskContext.capture());
    }

    @Test
    void unregisteredThreadLocalIsNoLongerCarried() throws Exception {
        TaskContext.unregister(TENANT_ACCESSOR);
        TENANT.set("tenant-c");
        assertThat(pool.submit(TaskContext.capture().wrap(TENANT::get)).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void failingAccessorIsReportedOnceAndTheTaskStillRuns() throws Exception {
        CarriedThreadLocal<String> failing = new CarriedThreadLocal<>() {
            @Override
            public String read() {
                throw new IllegalStateException("broken accessor");
            }

            @Override
            public void write(String value) {
            }

            @Override
            public void clear() {
            }
        };
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        TaskContext.register(failing);
        try {
            TENANT.set("tenant-d");
            TaskContext.capture();
            Snapshot snapshot = TaskContext.capture();
            assertThat(pool.submit(snapshot.wrap(TENANT::get)).get(10, TimeUnit.SECONDS)).isEqualTo("tenant-d");
        } finally {
            TaskContext.unregister(failing);
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines())
                .singleElement().asString()
                .startsWith("taskctx: thread-local accessor ")
                .contains("failed in read() (java.lang.IllegalStateException: broken accessor)");
    }
}
