package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A new thread starts with the context its creator had when constructing it (contract point 2), a
 * copy (point 3); threads that are pool or JDK infrastructure start empty (point 4).
 */
class ThreadPropagationTest {

    @BeforeEach
    void agentIsActive() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    /** Starts {@code thread}, waits for it, and returns what {@code seen} received inside it. */
    private static Object startAndJoin(Thread thread, CompletableFuture<Object> seen) throws Exception {
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(20));
        return seen.get(10, TimeUnit.SECONDS);
    }

    private static Runnable recordingInto(CompletableFuture<Object> seen) {
        return () -> seen.complete(TaskContext.get("request_id"));
    }

    static Stream<Arguments> runnableConstructors() {
        ThreadGroup group = Thread.currentThread().getThreadGroup();
        return Stream.of(
                Arguments.of("Thread(Runnable)", (Function<Runnable, Thread>) Thread::new),
                Arguments.of("Thread(Runnable, String)", (Function<Runnable, Thread>) task -> new Thread(task, "named")),
                Arguments.of("Thread(ThreadGroup, Runnable)", (Function<Runnable, Thread>) task -> new Thread(group, task)),
                Arguments.of("Thread(ThreadGroup, Runnable, String)",
                        (Function<Runnable, Thread>) task -> new Thread(group, task, "grouped")),
                Arguments.of("Thread(ThreadGroup, Runnable, String, long)",
                        (Function<Runnable, Thread>) task -> new Thread(group, task, "sized", 1 << 20)),
                Arguments.of("Thread(ThreadGroup, Runnable, String, long, true)",
                        (Function<Runnable, Thread>) task -> new Thread(group, task, "inheriting", 0, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runnableConstructors")
    void newThreadSeesCreatorValue(String form, Function<Runnable, Thread> constructor) throws Exception {
        TaskContext.set("request_id", "thread-1");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Thread thread = constructor.apply(recordingInto(seen));
        TaskContext.clear();
        assertThat(startAndJoin(thread, seen)).as(form).isEqualTo("thread-1");
    }

    static final class RecordingThread extends Thread {
        final CompletableFuture<Object> seen = new CompletableFuture<>();

        RecordingThread() {
        }

        RecordingThread(String name) {
            super(name);
        }

        RecordingThread(ThreadGroup group, String name) {
            super(group, name);
        }

        @Override
        public void run() {
            seen.complete(TaskContext.get("request_id"));
        }
    }

    @Test
    void threadSubclassOverridingRunSeesCreatorValue() throws Exception {
        TaskContext.set("request_id", "subclass-1");
        RecordingThread unnamed = new RecordingThread();
        RecordingThread named = new RecordingThread("named");
        RecordingThread grouped = new RecordingThread(Thread.currentThread().getThreadGroup(), "grouped");
        TaskContext.clear();
        assertThat(startAndJoin(unnamed, unnamed.seen)).isEqualTo("subclass-1");
        assertThat(startAndJoin(named, named.seen)).isEqualTo("subclass-1");
        assertThat(startAndJoin(grouped, grouped.seen)).isEqualTo("subclass-1");
    }

    @Test
    void platformThreadBuilderThreadsSeeCreatorValue() throws Exception {
        Jdk21Threads.assumeAvailable();
        TaskContext.set("request_id", "builder-1");
        CompletableFuture<Object> unstarted = new CompletableFuture<>();
        CompletableFuture<Object> fromFactory = new CompletableFuture<>();
        Thread first = Jdk21Threads.unstarted(Jdk21Threads.ofPlatform(), recordingInto(unstarted));
        Thread second = Jdk21Threads.factory(Jdk21Threads.ofPlatform()).newThread(recordingInto(fromFactory));
        CompletableFuture<Object> started = new CompletableFuture<>();
        Jdk21Threads.start(Jdk21Threads.ofPlatform(), recordingInto(started)).join();
        TaskContext.clear();
        assertThat(startAndJoin(first, unstarted)).isEqualTo("builder-1");
        assertThat(startAndJoin(second, fromFactory)).isEqualTo("builder-1");
        assertThat(started.get(10, TimeUnit.SECONDS)).isEqualTo("builder-1");
    }

    @Test
    void threadSeesSnapshotTakenAtConstructionNotAtStart() throws Exception {
        TaskContext.set("request_id", "at-construction");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Thread thread = new Thread(recordingInto(seen));
        TaskContext.set("request_id", "at-start");
        assertThat(startAndJoin(thread, seen)).isEqualTo("at-construction");
    }

    @Test
    void threadCreatedInsidePoolTaskSeesTaskValue() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            TaskContext.set("request_id", "task-1");
            CompletableFuture<Object> seen = new CompletableFuture<>();
            pool.execute(() -> new Thread(recordingInto(seen)).start());
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("task-1");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void threadThatDoesNotInheritThreadLocalsStartsEmpty() throws Exception {
        TaskContext.set("request_id", "not-inherited");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Thread thread = new Thread(null, recordingInto(seen), "no-inherit", 0, false);
        assertThat(startAndJoin(thread, seen)).isNull();
    }

    @Test
    void finishedThreadThatNeverReadItsContextKeepsNothing() throws Exception {
        Thread[] finished = new Thread[1];
        WeakReference<byte[]> payload = RequestPayload.run(() -> {
            finished[0] = new Thread(() -> { });
            finished[0].start();
            finished[0].join();
        });
        RequestPayload.assertCollected(payload);
        assertThat(finished[0].isAlive()).isFalse();
    }

    /** A pool whose beforeExecute records what the worker itself holds, outside any task. */
    static final class WorkerBaseRecordingPool extends ThreadPoolExecutor {
        final LinkedBlockingQueue<Map<String, Object>> workerContexts = new LinkedBlockingQueue<>();

        WorkerBaseRecordingPool(int threads) {
            super(threads, threads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        }

        @Override
        protected void beforeExecute(Thread worker, Runnable task) {
            workerContexts.add(TaskContext.asMap());
        }
    }

    @Test
    void poolWorkersStartedOutsideExecuteStartEmpty() throws Exception {
        WorkerBaseRecordingPool pool = new WorkerBaseRecordingPool(2);
        try {
            TaskContext.set("request_id", "creator");
            // Worker threads started outside execute(): only their target, the pool's worker loop, says what they are.
            assertThat(pool.prestartAllCoreThreads()).isEqualTo(2);
            TaskContext.clear();
            CountDownLatch bothRunning = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                pool.execute(() -> {
                    bothRunning.countDown();
                    Latches.awaitQuietly(bothRunning);
                });
            }
            assertThat(pool.workerContexts.poll(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(pool.workerContexts.poll(10, TimeUnit.SECONDS)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    static final class RecordingWorker extends ForkJoinWorkerThread {
        static final LinkedBlockingQueue<Map<String, Object>> STARTED_WITH = new LinkedBlockingQueue<>();

        RecordingWorker(ForkJoinPool pool) {
            super(pool);
        }

        @Override
        protected void onStart() {
            super.onStart();
            STARTED_WITH.add(TaskContext.asMap());
        }
    }

    @Test
    void forkJoinWorkerCreatedInsideRequestStartsEmpty() throws Exception {
        RecordingWorker.STARTED_WITH.clear();
        TaskContext.set("request_id", "creator");
        ForkJoinPool pool = new ForkJoinPool(1, RecordingWorker::new, null, false);
        try {
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(RecordingWorker.STARTED_WITH.poll(10, TimeUnit.SECONDS)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void timerThreadCreatedInsideRequestStartsEmpty() throws Exception {
        TaskContext.set("request_id", "creator");
        java.util.Timer timer = new java.util.Timer();
        try {
            TaskContext.clear();
            CompletableFuture<Object> seen = new CompletableFuture<>();
            timer.schedule(new java.util.TimerTask() {
                @Override
                public void run() {
                    seen.complete(TaskContext.asMap());
                }
            }, 0);
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(Map.of());
        } finally {
            timer.cancel();
        }
    }
}
