package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jetty's {@code QueuedThreadPool} (jetty-util 12.1): its own queue, and threads running its
 * {@code QueuedThreadPool$Runner} loop, started eagerly in {@code start()} (min threads) and while it
 * grows inside {@code execute}.
 */
class JettyPropagationTest {

    private final List<QueuedThreadPool> started = new ArrayList<>();

    @RegisterExtension
    final AgentPools agent = new AgentPools();

    @AfterEach
    void stop() throws Exception {
        for (QueuedThreadPool pool : started) {
            pool.stop();
        }
    }

    private QueuedThreadPool pool(int minThreads, int maxThreads) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, minThreads);
        // No reserved threads: every execute() meets the queue and an idle Runner.
        pool.setReservedThreads(0);
        pool.setName("jetty-test");
        started.add(pool);
        return pool;
    }

    @Test
    void executeSeesSubmitterValue() throws Exception {
        QueuedThreadPool pool = pool(1, 4);
        pool.start();
        TaskContext.set("rid", "jetty-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("jetty-1");
        TaskContext.set("rid", "jetty-2");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("jetty-2");
    }

    @Test
    void workerDoesNotKeepWhatATaskSetWhenSubmittersHadNoContext() throws Exception {
        QueuedThreadPool pool = pool(1, 1);
        pool.start();
        assertThat(TaskProbe.seenAfterATaskSet(pool, "rid")).isNull();
    }

    @Test
    void workerDoesNotKeepSubmitterValueAfterTask() throws Exception {
        QueuedThreadPool pool = pool(1, 1);
        pool.start();
        TaskContext.set("rid", "request-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("request-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(pool, "rid")).isNull();
    }

    @Test
    void poolGrownInsideRequestKeepsNothing() throws Exception {
        QueuedThreadPool pool = pool(1, 6);
        pool.start();
        WeakReference<byte[]> payload = RequestPayload.run(() ->
                assertThat(TaskProbe.seenByConcurrentTasks(pool, 6, () -> TaskContext.get(RequestPayload.KEY) != null))
                        .as("the request's tasks see its value").containsOnly(true));
        assertThat(TaskProbe.seenByConcurrentTasks(pool, pool.getThreads(), () -> Objects.toString(TaskContext.get(RequestPayload.KEY))))
                .as("context-free tasks on every thread").containsOnly("null");
        RequestPayload.assertCollected(payload);
        assertThat(pool.isRunning()).isTrue();
    }

    @Test
    void poolStartedInsideRequestKeepsNothing() throws Exception {
        QueuedThreadPool pool = pool(4, 4);
        // start() starts the min threads eagerly, on this thread, outside any execute().
        WeakReference<byte[]> payload = RequestPayload.run(pool::start);
        assertThat(TaskProbe.seenByConcurrentTasks(pool, 4, () -> Objects.toString(TaskContext.get(RequestPayload.KEY))))
                .as("context-free tasks on every thread").containsOnly("null");
        RequestPayload.assertCollected(payload);
        assertThat(pool.isRunning()).isTrue();
    }
}
