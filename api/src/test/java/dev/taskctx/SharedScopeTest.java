package dev.taskctx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TaskContext.runShared/callShared on one thread, without the agent. */
class SharedScopeTest {

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    @Test
    void nullBlockFailsFastNamingTheParameter() {
        assertThatThrownBy(() -> TaskContext.runShared(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("block");
        assertThatThrownBy(() -> TaskContext.callShared((Callable<Object>) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("block");
    }

    @Test
    void callSharedReturnsTheBlocksValue() throws Exception {
        TaskContext.set("request_id", "r-1");
        assertThat(TaskContext.callShared(() -> TaskContext.get("request_id"))).isEqualTo("r-1");
    }

    @Test
    void callSharedPassesCheckedExceptionsUnchanged() {
        IOException thrown = new IOException("io in scope");
        assertThatThrownBy(() -> TaskContext.callShared(() -> {
            throw thrown;
        })).isSameAs(thrown);
    }

    @Test
    void sharedSnapshotWithoutEntriesIsNotEmptySoHandOffsPassItOn() {
        TaskContext.runShared(() -> {
            Snapshot shared = TaskContext.capture();
            assertThat(shared.isShared()).isTrue();
            assertThat(shared.asMap()).isEmpty();
            assertThat(shared.isEmpty()).isFalse();
        });
    }

    @Test
    void asMapInSharedScopeIsACopyThatDoesNotFollowLaterChanges() {
        TaskContext.runShared(() -> {
            TaskContext.set("a", 1);
            Map<String, Object> view = TaskContext.asMap();
            TaskContext.set("b", 2);
            assertThat(view).containsExactly(Map.entry("a", 1));
            assertThatThrownBy(() -> view.put("c", 3)).isInstanceOf(UnsupportedOperationException.class);
        });
    }

    @Test
    void setNullValueInSharedScopeRemovesTheKey() {
        TaskContext.runShared(() -> {
            TaskContext.set("a", 1);
            TaskContext.set("a", null);
            assertThat(TaskContext.asMap()).isEmpty();
        });
    }
}
