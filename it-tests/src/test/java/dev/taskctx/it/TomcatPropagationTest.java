package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tomcat's own {@code org.apache.tomcat.util.threads.ThreadPoolExecutor} (tomcat-embed-core 11), set
 * up as Tomcat's connectors set it up: a {@code TaskQueue} and {@code TaskThread}s from a
 * {@code TaskThreadFactory}. It is not a {@code java.util.concurrent.ThreadPoolExecutor}, and it
 * starts its core threads in its constructor.
 */
class TomcatPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private ThreadPoolExecutor pool(int core, int max) {
        TaskQueue queue = new TaskQueue();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(core, max, 60, TimeUnit.SECONDS, queue,
                new TaskThreadFactory("tomcat-test-exec-", true, Thread.NORM_PRIORITY));
        queue.setParent(pool);
        return pools.add(pool);
    }

    @Test
    void executeSeesSubmitterValue() throws Exception {
        ThreadPoolExecutor pool = pool(1, 4);
        TaskContext.set("rid", "tomcat-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("tomcat-1");
        TaskContext.set("rid", "tomcat-2");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("tomcat-2");
    }

    @Test
    void submitSeesSubmitterValue() throws Exception {
        ThreadPoolExecutor pool = pool(1, 4);
        TaskContext.set("rid", "tomcat-submit-1");
        assertThat(pool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).isEqualTo("tomcat-submit-1");
    }

    @Test
    void workerDoesNotKeepWhatATaskSetWhenSubmittersHadNoContext() throws Exception {
        ThreadPoolExecutor pool = pool(1, 1);
        assertThat(TaskProbe.seenAfterATaskSet(pool, "rid")).isNull();
    }

    @Test
    void workerDoesNotKeepSubmitterValueAfterTask() throws Exception {
        ThreadPoolExecutor pool = pool(1, 1);
        TaskContext.set("rid", "request-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("request-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(pool, "rid")).isNull();
    }

    @Test
    void poolCreatedAndGrownInsideRequestKeepsNothing() throws Exception {
        ThreadPoolExecutor[] pool = new ThreadPoolExecutor[1];
        WeakReference<byte[]> payload = RequestPayload.run(() -> {
            pool[0] = pool(2, 5);
            assertThat(TaskProbe.seenByConcurrentTasks(pool[0], 5, () -> TaskContext.get(RequestPayload.KEY) != null))
                    .as("the request's tasks see its value").containsOnly(true);
        });
        assertThat(TaskProbe.seenByConcurrentTasks(pool[0], pool[0].getPoolSize(), () -> Objects.toString(TaskContext.get(RequestPayload.KEY))))
                .as("context-free tasks on every thread").containsOnly("null");
        RequestPayload.assertCollected(payload);
        assertThat(pool[0].isShutdown()).isFalse();
    }
}
