package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskctx.TaskContext;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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

    /**
     * Many virtual threads with contexts of their own hand tasks to a pool (each hand-off binds a
     * snapshot in the agent's task table) and park and resume all the time, so the carriers keep running
     * continuations, whose begin hook looks in the same table. A monitor guarding the table let a
     * virtual thread that contended for it unmount while carriers blocked on it waiting for that very
     * thread: every carrier stuck, no virtual thread ever ran again (seen once in CI, reproduced by
     * {@code IsolationUnderLoadTest} under load). Every virtual thread must finish.
     */
    @Test
    void virtualThreadsHandingOffUnderContentionAllFinish() throws Exception {
        int threads = 200;
        int handOffsEach = 400;
        ForkJoinPool pool = new ForkJoinPool(3);
        AtomicLong ran = new AtomicLong();
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> virtuals = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String own = "virtual-" + t;
                virtuals.add(unstartedVirtualThread(() -> {
                    TaskContext.set("request_id", own);
                    for (int i = 0; i < handOffsEach; i++) {
                        ForkJoinTask<?> task = pool.submit(() -> {
                            if (!own.equals(TaskContext.get("request_id"))) {
                                wrong.add(own + " ran with " + TaskContext.get("request_id"));
                            }
                            ran.incrementAndGet();
                        });
                        if (i % 8 == 0) {
                            task.join();
                        }
                        LockSupport.parkNanos(1_000);
                        if (!own.equals(TaskContext.get("request_id"))) {
                            wrong.add(own + " resumed with " + TaskContext.get("request_id"));
                        }
                    }
                }));
            }
            // Unparks from a platform thread with its own context, as a request thread would.
            TaskContext.set("request_id", "unparker");
            virtuals.forEach(Thread::start);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Thread virtual : virtuals) {
                virtual.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            long stuck = virtuals.stream().filter(Thread::isAlive).count();
            assertThat(stuck).as("virtual threads still not finished after 60 s").isZero();
            assertThat(pool.awaitQuiescence(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ran.get()).isEqualTo((long) threads * handOffsEach);
            assertThat(wrong).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
