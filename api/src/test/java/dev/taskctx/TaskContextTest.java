package dev.taskctx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The API's contract on one thread, without the agent. */
class TaskContextTest {

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    @Test
    void getReturnsWhatSetStored() {
        TaskContext.set("request_id", "r-1");
        assertThat(TaskContext.get("request_id")).isEqualTo("r-1");
    }

    @Test
    void getWithDefaultReturnsDefaultWhenAbsent() {
        assertThat(TaskContext.get("missing", "fallback")).isEqualTo("fallback");
        TaskContext.set("present", 7);
        assertThat(TaskContext.get("present", 0)).isEqualTo(7);
    }

    @Test
    void setNullValueRemovesKey() {
        TaskContext.set("request_id", "r-1");
        TaskContext.set("request_id", null);
        assertThat(TaskContext.asMap()).doesNotContainKey("request_id");
    }

    @Test
    void nullKeyFailsFastNamingTheParameter() {
        assertThatThrownBy(() -> TaskContext.set(null, "v")).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> TaskContext.get(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> TaskContext.get(null, "d")).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> TaskContext.remove(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
    }

    @Test
    void nullTaskOrExecutorFailsFastNamingTheParameter() {
        Snapshot snapshot = TaskContext.capture();
        assertThatThrownBy(() -> snapshot.run(null)).hasMessageContaining("task");
        assertThatThrownBy(() -> snapshot.wrap((Runnable) null)).hasMessageContaining("task");
        assertThatThrownBy(() -> snapshot.wrap((Callable<Object>) null)).hasMessageContaining("task");
        assertThatThrownBy(() -> TaskContext.wrap((java.util.concurrent.Executor) null)).hasMessageContaining("executor");
        assertThatThrownBy(() -> TaskContext.wrap((java.util.concurrent.ExecutorService) null)).hasMessageContaining("executor");
    }

    @Test
    void asMapIsImmutableAndDoesNotFollowLaterChanges() {
        TaskContext.set("a", 1);
        Map<String, Object> view = TaskContext.asMap();
        TaskContext.set("b", 2);
        assertThat(view).containsExactly(Map.entry("a", 1));
        assertThatThrownBy(() -> view.put("c", 3)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void capturedSnapshotDoesNotChangeWhenContextChanges() {
        TaskContext.set("request_id", "before");
        Snapshot snapshot = TaskContext.capture();
        TaskContext.set("request_id", "after");
        assertThat(snapshot.get("request_id")).isEqualTo("before");
    }

    @Test
    void captureIsTheSameObjectUntilTheContextChanges() {
        TaskContext.set("request_id", "r");
        assertThat(TaskContext.capture()).isSameAs(TaskContext.capture());
    }

    @Test
    void runInstallsSnapshotAndRestoresPrevious() {
        TaskContext.set("request_id", "captured");
        Snapshot snapshot = TaskContext.capture();
        TaskContext.set("request_id", "current");
        Object[] seen = new Object[1];
        snapshot.run(() -> {
            seen[0] = TaskContext.get("request_id");
            TaskContext.set("request_id", "changed-inside");
        });
        assertThat(seen[0]).isEqualTo("captured");
        assertThat(TaskContext.get("request_id")).isEqualTo("current");
    }

    @Test
    void runRestoresPreviousWhenTaskThrows() {
        Snapshot snapshot = TaskContext.capture();
        TaskContext.set("request_id", "current");
        assertThatThrownBy(() -> snapshot.run(() -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(TaskContext.get("request_id")).isEqualTo("current");
    }

    @Test
    void callReturnsValueAndRestoresPreviousOnException() throws Exception {
        TaskContext.set("request_id", "captured");
        Snapshot snapshot = TaskContext.capture();
        TaskContext.set("request_id", "current");
        assertThat(snapshot.call(() -> TaskContext.get("request_id"))).isEqualTo("captured");
        Exception failure = new Exception("checked");
        assertThatThrownBy(() -> snapshot.call(() -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(TaskContext.get("request_id")).isEqualTo("current");
    }

    @Test
    void wrapBindsSnapshotUntilRun() throws Exception {
        TaskContext.set("request_id", "bound");
        Object[] seen = new Object[1];
        Runnable wrappedRunnable = TaskContext.capture().wrap(() -> {
            seen[0] = TaskContext.get("request_id");
        });
        Callable<Object> wrappedCallable = TaskContext.capture().wrap(() -> TaskContext.get("request_id"));
        TaskContext.clear();
        wrappedRunnable.run();
        assertThat(seen[0]).isEqualTo("bound");
        assertThat(wrappedCallable.call()).isEqualTo("bound");
        assertThat(TaskContext.asMap()).isEmpty();
    }

    @Test
    void agentIsNotActiveInPlainUnitTests() {
        assertThat(TaskContext.agentActive()).isFalse();
    }

    @Test
    void emptySnapshotIsEmpty() {
        assertThat(Snapshot.empty().isEmpty()).isTrue();
        assertThat(Snapshot.empty().asMap()).isEmpty();
        TaskContext.set("k", "v");
        TaskContext.remove("k");
        assertThat(TaskContext.capture()).isSameAs(Snapshot.empty());
    }
}
