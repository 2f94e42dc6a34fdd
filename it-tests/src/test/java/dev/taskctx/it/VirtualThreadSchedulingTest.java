package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskctx.TaskContext;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JDK 25 schedules virtual threads by submitting their continuations to a ForkJoinPool from whichever
 * thread unparks them: that hand-off is not the application's, and neither the carrier nor the virtual
 * thread may get the unparking thread's context. Skipped where the JDK has no virtual threads.
 */
class VirtualThreadSchedulingTest {

    @BeforeEach
    void agentIsActive() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    /** {@code Thread.ofVirtual().unstarted(task)}, called reflectively: the tests compile for Java 17. */
    private static Thread unstartedVirtualThread(Runnable task) throws Exception {
        Method ofVirtual;
        try {
            ofVirtual = Thread.class.getMethod("ofVirtual");
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "no virtual threads on JDK " + System.getProperty("taskctx.it.jdk"));
            throw e;
        }
        Object builder = ofVirtual.invoke(null);
        return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class).invoke(builder, task);
    }

    @Test
    void virtualThreadResumedByThreadsWithOtherContextsKeepsItsOwn() throws Exception {
        int rounds = 50;
        Semaphore resume = new Semaphore(0);
        CountDownLatch parked = new CountDownLatch(1);
        List<Object> seen = new ArrayList<>();
        TaskContext.set("request_id", "virtual-own");
        Thread virtual = unstartedVirtualThread(() -> {
            parked.countDown();
            for (int i = 0; i < rounds; i++) {
                // acquire parks the virtual thread; release from the test thread submits its continuation
                resume.acquireUninterruptibly();
                synchronized (seen) {
                    seen.add(String.valueOf(TaskContext.get("request_id")));
                }
            }
        });
        virtual.start();
        assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < rounds; i++) {
            TaskContext.set("request_id", "unparker-" + i);
            resume.release();
        }
        virtual.join(30_000);
        assertThat(virtual.isAlive()).isFalse();
        synchronized (seen) {
            assertThat(seen).hasSize(rounds).containsOnly("virtual-own");
        }
    }
}
