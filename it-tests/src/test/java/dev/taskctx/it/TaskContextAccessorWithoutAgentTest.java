package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Without the agent, taskctx-micrometer lets Micrometer's own wrapping carry the task context, as
 * Spring's {@code ContextPropagatingTaskDecorator} does: {@code captureAll()} then {@code wrap(task)}.
 */
@Tag("noagent")
class TaskContextAccessorWithoutAgentTest {

    @Test
    void micrometerWrappedTaskCarriesTheTaskContextWithoutTheAgent() throws Exception {
        assertThat(TaskContext.agentActive()).isFalse();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            TaskContext.set("request_id", "decorated-1");
            Runnable wrapped = ContextSnapshotFactory.builder().build().captureAll()
                    .wrap(() -> TaskContext.set("seen", TaskContext.get("request_id")));
            Object[] seen = new Object[2];
            pool.submit(wrapped).get(10, TimeUnit.SECONDS);
            pool.submit(() -> {
                seen[0] = TaskContext.get("request_id");
                seen[1] = TaskContext.get("seen");
            }).get(10, TimeUnit.SECONDS);
            assertThat(pool.submit(ContextSnapshotFactory.builder().build().captureAll()
                    .wrap(() -> TaskContext.get("request_id"))).get(10, TimeUnit.SECONDS)).isEqualTo("decorated-1");
            // The worker keeps nothing of the wrapped tasks, and plain tasks carry nothing without the agent.
            assertThat(seen).containsExactly(null, null);
        } finally {
            TaskContext.clear();
            pool.shutdownNow();
        }
    }
}
