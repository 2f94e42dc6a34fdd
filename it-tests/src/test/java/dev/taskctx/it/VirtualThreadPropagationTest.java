package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads and the thread-per-task executors (JDK 21+; on the JDK 17 run each test is skipped
 * with one line): a virtual thread is the application's thread and starts with its creator's context.
 */
class VirtualThreadPropagationTest {

    @BeforeEach
    void virtualThreadsAvailable() {
        Jdk21Threads.assumeAvailable();
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    private static Runnable recordingInto(CompletableFuture<Object> seen) {
        return () -> seen.complete(TaskContext.get("request_id"));
    }

    @Test
    void virtualThreadSeesCreatorValue() throws Exception {
        TaskContext.set("request_id", "virtual-1");
        CompletableFuture<Object> unstarted = new CompletableFuture<>();
        CompletableFuture<Object> started = new CompletableFuture<>();
        Thread thread = Jdk21Threads.unstarted(Jdk21Threads.ofVirtual(), recordingInto(unstarted));
        Jdk21Threads.start(Jdk21Threads.ofVirtual(), recordingInto(started));
        TaskContext.clear();
        thread.start();
        assertThat(Jdk21Threads.isVirtual(thread)).isTrue();
        assertThat(unstarted.get(10, TimeUnit.SECONDS)).isEqualTo("virtual-1");
        assertThat(started.get(10, TimeUnit.SECONDS)).isEqualTo("virtual-1");
    }

    @Test
    void virtualThreadFactoryThreadSeesCreatorValue() throws Exception {
        ThreadFactory factory = Jdk21Threads.factory(Jdk21Threads.ofVirtual());
        TaskContext.set("request_id", "virtual-factory-1");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Thread thread = factory.newThread(recordingInto(seen));
        TaskContext.clear();
        thread.start();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("virtual-factory-1");
    }

    @Test
    void virtualThreadSeesSnapshotTakenAtConstructionAndKeepsItsChanges() throws Exception {
        TaskContext.set("request_id", "at-construction");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Thread thread = Jdk21Threads.unstarted(Jdk21Threads.ofVirtual(), () -> {
            Object inherited = TaskContext.get("request_id");
            TaskContext.set("task_data", "virtual-data");
            seen.complete(Map.of("inherited", inherited, "after", TaskContext.asMap()));
        });
        TaskContext.set("request_id", "at-start");
        thread.start();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(Map.of("inherited", "at-construction",
                "after", Map.of("request_id", "at-construction", "task_data", "virtual-data")));
        assertThat(TaskContext.asMap()).isEqualTo(Map.of("request_id", "at-start"));
    }

    @Test
    void threadsBuiltNotToInheritThreadLocalsStartEmpty() throws Exception {
        TaskContext.set("request_id", "not-inherited");
        CompletableFuture<Object> virtual = new CompletableFuture<>();
        CompletableFuture<Object> platform = new CompletableFuture<>();
        Jdk21Threads.start(Jdk21Threads.notInheritingThreadLocals(Jdk21Threads.ofVirtual()), recordingInto(virtual));
        Jdk21Threads.start(Jdk21Threads.notInheritingThreadLocals(Jdk21Threads.ofPlatform()), recordingInto(platform));
        assertThat(virtual.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(platform.get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void finishedVirtualThreadThatNeverReadItsContextKeepsNothing() throws Exception {
        Thread[] finished = new Thread[1];
        WeakReference<byte[]> payload = RequestPayload.run(() -> {
            finished[0] = Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> { });
            finished[0].join();
        });
        RequestPayload.assertCollected(payload);
        assertThat(finished[0].isAlive()).isFalse();
    }

    @Test
    void finishedVirtualThreadThatUsedItsContextKeepsNothing() throws Exception {
        Thread[] finished = new Thread[1];
        CompletableFuture<Object> seen = new CompletableFuture<>();
        WeakReference<byte[]> payload = RequestPayload.run(() -> {
            finished[0] = Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> {
                TaskContext.set("task_data", "own");
                seen.complete(TaskContext.get(RequestPayload.KEY) != null);
            });
            finished[0].join();
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(true);
        RequestPayload.assertCollected(payload);
        assertThat(finished[0].isAlive()).isFalse();
    }

    @Test
    void virtualThreadCreatedInsideVirtualThreadSeesItsValues() throws Exception {
        TaskContext.set("request_id", "grandparent");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> {
            TaskContext.set("task_data", "child-data");
            Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> seen.complete(TaskContext.asMap()));
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(Map.of("request_id", "grandparent", "task_data", "child-data"));
    }

    @Test
    void virtualThreadPerTaskExecutorTasksSeeSubmitterValue() throws Exception {
        ExecutorService executor = Jdk21Threads.newVirtualThreadPerTaskExecutor();
        try {
            TaskContext.set("request_id", "per-task-1");
            CompletableFuture<Object> executed = new CompletableFuture<>();
            executor.execute(recordingInto(executed));
            Object submitted = executor.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS);
            assertThat(executed.get(10, TimeUnit.SECONDS)).isEqualTo("per-task-1");
            assertThat(submitted).isEqualTo("per-task-1");
        } finally {
            close(executor);
        }
    }

    /** A platform thread that records the context it holds itself before running its target. */
    static final class BaseRecordingThread extends Thread {
        final CompletableFuture<Object> base = new CompletableFuture<>();

        BaseRecordingThread(Runnable target) {
            super(target);
        }

        @Override
        public void run() {
            base.complete(TaskContext.asMap());
            super.run();
        }
    }

    @Test
    void threadPerTaskExecutorExecuteStartsThreadEmptyAndRunsTaskInSubmitterContext() throws Exception {
        CompletableFuture<BaseRecordingThread> created = new CompletableFuture<>();
        ThreadFactory factory = task -> {
            BaseRecordingThread thread = new BaseRecordingThread(task);
            created.complete(thread);
            return thread;
        };
        ExecutorService executor = Jdk21Threads.newThreadPerTaskExecutor(factory);
        try {
            TaskContext.set("request_id", "per-task-2");
            CompletableFuture<Object> seen = new CompletableFuture<>();
            executor.execute(recordingInto(seen));
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("per-task-2");
            // execute() is a hand-off: the thread it starts keeps nothing; the task's wrapper installs the snapshot.
            assertThat(created.get(10, TimeUnit.SECONDS).base.get(10, TimeUnit.SECONDS)).isEqualTo(Map.of());
        } finally {
            close(executor);
        }
    }

    @Test
    void threadPerTaskExecutorSubmitSeesSubmitterValue() throws Exception {
        ThreadFactory factory = Jdk21Threads.factory(Jdk21Threads.ofPlatform());
        ExecutorService executor = Jdk21Threads.newThreadPerTaskExecutor(factory);
        try {
            TaskContext.set("request_id", "per-task-3");
            Object submitted = executor.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS);
            assertThat(submitted).isEqualTo("per-task-3");
        } finally {
            close(executor);
        }
    }

    private static void close(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        assertThat(executor.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    }
}
