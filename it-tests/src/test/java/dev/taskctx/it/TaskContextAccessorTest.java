package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import dev.taskctx.micrometer.TaskContextAccessor;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * taskctx-micrometer: the whole task context as a Micrometer {@code ThreadLocalAccessor}, found by
 * Micrometer's {@code ServiceLoader}, so Micrometer's own snapshots carry it where no agent hand-off does.
 */
@Tag("micrometer")
class TaskContextAccessorTest {

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    /** Runs {@code task} on a new thread created with an empty context: no agent hand-off carries anything. */
    private static <V> V onContextlessThread(Callable<V> task) throws Exception {
        FutureTask<V> result = new FutureTask<>(task);
        Thread[] thread = new Thread[1];
        Snapshot.empty().run(() -> thread[0] = new Thread(result));
        thread[0].start();
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void micrometersServiceLoaderRegistersTheAccessorOutsideTheBootstrapClassPath() {
        assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
                .filteredOn(accessor -> accessor instanceof TaskContextAccessor)
                .singleElement()
                .satisfies(accessor -> assertThat(accessor.key()).isEqualTo(TaskContextAccessor.KEY));
        assertThat(TaskContextAccessor.class.getClassLoader()).isNotNull();
    }

    @Test
    void captureAllAndSetThreadLocalsCarryTheTaskContext() throws Exception {
        TaskContext.set("request_id", "snapshot-1");
        ContextSnapshot captured = ContextSnapshotFactory.builder().build().captureAll();
        TaskContext.clear();

        String seen = onContextlessThread(() -> {
            String before = TaskContext.get("request_id", "none");
            try (ContextSnapshot.Scope scope = captured.setThreadLocals()) {
                return before + "/" + TaskContext.get("request_id") + "/";
            } finally {
                assertThat(TaskContext.get("request_id")).isNull();
            }
        });
        assertThat(seen).isEqualTo("none/snapshot-1/");
    }

    @Test
    void setThreadLocalsPutsTheThreadsOwnContextBack() {
        TaskContext.set("request_id", "captured");
        ContextSnapshot captured = ContextSnapshotFactory.builder().build().captureAll();
        TaskContext.set("request_id", "own");
        TaskContext.set("only_own", "x");
        try (ContextSnapshot.Scope scope = captured.setThreadLocals()) {
            assertThat(TaskContext.asMap()).containsOnlyKeys("request_id").containsEntry("request_id", "captured");
        }
        assertThat(TaskContext.asMap()).containsEntry("request_id", "own").containsEntry("only_own", "x");
    }

    @Test
    void wrappedTaskCarriesTheTaskContextToAContextlessThread() throws Exception {
        TaskContext.set("request_id", "wrapped-1");
        Callable<Object> wrapped = ContextSnapshotFactory.builder().build().captureAll()
                .wrap(() -> TaskContext.get("request_id"));
        TaskContext.clear();
        assertThat(onContextlessThread(wrapped)).isEqualTo("wrapped-1");
    }

    @Test
    void anEmptyContextIsNoValueAndLeavesTheThreadsContextAlone() {
        assertThat(new TaskContextAccessor().getValue()).isNull();
        ContextSnapshot capturedEmpty = ContextSnapshotFactory.builder().build().captureAll();
        TaskContext.set("request_id", "own");
        try (ContextSnapshot.Scope scope = capturedEmpty.setThreadLocals()) {
            assertThat(TaskContext.get("request_id")).isEqualTo("own");
        }
        assertThat(TaskContext.get("request_id")).isEqualTo("own");
    }
}
