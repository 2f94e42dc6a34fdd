package dev.taskctx.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Vert.x's ordered {@code executeBlocking}: a context's tasks wait in one queue, and one drainer, handed
 * to the worker pool by whichever task found the queue idle, runs every task queued meanwhile. Each
 * task runs with the values of the code that queued it, and the drainer lends none: neither the values
 * of the code that started it nor what an earlier task set. Every second task here is queued while the
 * first is running, so that one drainer runs both.
 */
class VertxExecuteBlockingTest {

    private Vertx vertx;
    private Context context;

    @BeforeEach
    void startVertx() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(2));
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void closeVertx() throws Exception {
        TaskContext.clear();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void eachOrderedTaskSeesTheValuesOfTheCodeThatQueuedIt() throws Exception {
        TaskContext.set("rid", "first");
        Drain drain = new Drain(() -> TaskContext.get("rid"));
        TaskContext.set("rid", "second");
        Future<Object> second = drain.queueSecond(() -> TaskContext.get("rid"));

        assertThat(drain.firstResult()).isEqualTo("first");
        assertThat(result(second)).isEqualTo("second");
    }

    @Test
    void taskQueuedWithoutValuesRunsEmptyInADrainStartedWithValues() throws Exception {
        TaskContext.set("rid", "first");
        Drain drain = new Drain(() -> TaskContext.get("rid"));
        TaskContext.clear();
        Future<Map<String, Object>> second = drain.queueSecond(TaskContext::asMap);

        assertThat(drain.firstResult()).isEqualTo("first");
        assertThat(result(second)).isEmpty();
    }

    @Test
    void taskDoesNotSeeWhatAnEarlierTaskOfTheDrainSet() throws Exception {
        Drain drain = new Drain(() -> {
            TaskContext.set("left", "by-first");
            return "set";
        });
        Future<Map<String, Object>> second = drain.queueSecond(TaskContext::asMap);

        assertThat(drain.firstResult()).isEqualTo("set");
        assertThat(result(second)).isEmpty();
    }

    /** Queues a first ordered task, which runs {@code first} once a second task is queued behind it. */
    private final class Drain {
        private final CountDownLatch firstRunning = new CountDownLatch(1);
        private final CountDownLatch secondQueued = new CountDownLatch(1);
        private final Future<Object> first;

        Drain(Callable<Object> first) {
            this.first = context.executeBlocking(() -> {
                firstRunning.countDown();
                assertThat(secondQueued.await(20, TimeUnit.SECONDS)).as("the second task is queued").isTrue();
                return first.call();
            }, true);
        }

        /** Queues {@code second} while the first task runs, then lets the first one finish. */
        <T> Future<T> queueSecond(Callable<T> second) throws InterruptedException {
            assertThat(firstRunning.await(20, TimeUnit.SECONDS)).as("the first task runs").isTrue();
            Future<T> queued = context.executeBlocking(second, true);
            secondQueued.countDown();
            return queued;
        }

        Object firstResult() throws Exception {
            return result(first);
        }
    }

    private static <T> T result(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
