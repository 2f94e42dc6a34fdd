package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests that run with the agent: checks it is active and clears the test thread's context around
 * each test, and shuts down the pools the test registered, after releasing workers it occupied.
 * Use as {@code @RegisterExtension final AgentPools pools = new AgentPools();}.
 */
final class AgentPools implements BeforeEachCallback, AfterEachCallback {

    private final List<ExecutorService> pools = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void beforeEach(ExtensionContext context) {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        release.countDown();
        TaskContext.clear();
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Registers {@code pool} to be shut down after the test. */
    <E extends ExecutorService> E add(E pool) {
        pools.add(pool);
        return pool;
    }

    /** Occupies one worker of {@code pool} until the test ends, so that later tasks queue or are rejected. */
    void occupyWorker(ExecutorService pool) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        pool.execute(() -> {
            started.countDown();
            awaitRelease();
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Blocks until the test ends (at most 30 s). */
    void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets occupied workers go before the test ends. */
    void releaseWorkers() {
        release.countDown();
    }
}
