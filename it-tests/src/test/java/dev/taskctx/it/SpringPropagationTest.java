package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Spring's task executors and schedulers (spring-context 7) and {@code @Async} methods: each hands
 * the task to a JDK pool (or, with virtual threads, to a new thread), so the caller's value follows.
 */
class SpringPropagationTest {

    @RegisterExtension
    final AgentPools agent = new AgentPools();

    private ThreadPoolTaskExecutor executor;
    private ThreadPoolTaskScheduler scheduler;
    private AnnotationConfigApplicationContext application;

    @AfterEach
    void shutDown() {
        if (executor != null) {
            executor.shutdown();
        }
        if (scheduler != null) {
            scheduler.shutdown();
        }
        if (application != null) {
            application.close();
        }
    }

    private ThreadPoolTaskExecutor executor(int threads) {
        executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(threads);
        executor.setMaxPoolSize(threads);
        executor.setThreadNamePrefix("spring-test-");
        executor.setWaitForTasksToCompleteOnShutdown(false);
        executor.initialize();
        return executor;
    }

    private ThreadPoolTaskScheduler scheduler() {
        scheduler = new ThreadPoolTaskScheduler();
        scheduler.setPoolSize(1);
        scheduler.setThreadNamePrefix("spring-scheduler-");
        scheduler.initialize();
        return scheduler;
    }

    @Test
    void threadPoolTaskExecutorSeesSubmitterValue() throws Exception {
        ThreadPoolTaskExecutor pool = executor(2);
        TaskContext.set("rid", "spring-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("spring-1");
        assertThat(pool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).isEqualTo("spring-1");
        assertThat(pool.submitCompletable(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).isEqualTo("spring-1");
    }

    @Test
    void threadPoolTaskExecutorWorkerKeepsNothingAfterTask() throws Exception {
        ThreadPoolTaskExecutor pool = executor(1);
        pool.submit(() -> TaskContext.set("rid", "set-by-task-a")).get(10, TimeUnit.SECONDS);
        TaskContext.set("rid", "request-1");
        assertThat(TaskProbe.seenVia(pool, "rid")).isEqualTo("request-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(pool, "rid")).isNull();
    }

    @Test
    void taskSchedulerScheduleSeesSubmitterValue() throws Exception {
        ThreadPoolTaskScheduler tasks = scheduler();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "scheduled-1");
        tasks.schedule(() -> seen.complete(TaskContext.get("rid")), Instant.now().plusMillis(2));
        TaskContext.clear();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("scheduled-1");
    }

    @Test
    void taskSchedulerFixedRateEveryRunSeesSubmitterValue() throws Exception {
        ThreadPoolTaskScheduler tasks = scheduler();
        Queue<Object> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch runs = new CountDownLatch(4);
        TaskContext.set("rid", "fixed-rate-1");
        ScheduledFuture<?> periodic = tasks.scheduleAtFixedRate(() -> {
            seen.add(String.valueOf(TaskContext.get("rid")));
            TaskContext.set("rid", "changed-by-run");
            runs.countDown();
        }, Duration.ofMillis(2));
        TaskContext.clear();
        try {
            assertThat(runs.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            periodic.cancel(false);
        }
        assertThat(new ArrayList<>(seen)).hasSizeGreaterThanOrEqualTo(4).containsOnly("fixed-rate-1");
        assertThat(tasks.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).as("a later task without a context").isNull();
    }

    /** A bean whose method Spring runs on the application's task executor. */
    public static class AsyncWork {
        @Async
        public CompletableFuture<Object> seenRid() {
            return CompletableFuture.completedFuture(TaskContext.get("rid"));
        }

        @Async
        public CompletableFuture<Object> seenThread() {
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }

    @Configuration
    @EnableAsync
    public static class AsyncConfiguration {
        @Bean(name = "taskExecutor", destroyMethod = "shutdown")
        public ThreadPoolTaskExecutor taskExecutor() {
            ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
            pool.setCorePoolSize(1);
            pool.setMaxPoolSize(1);
            pool.setThreadNamePrefix("spring-async-");
            return pool;
        }

        @Bean
        public AsyncWork asyncWork() {
            return new AsyncWork();
        }
    }

    @Test
    void asyncMethodSeesCallerValue() throws Exception {
        application = new AnnotationConfigApplicationContext(AsyncConfiguration.class);
        AsyncWork work = application.getBean(AsyncWork.class);
        assertThat(work.seenThread().get(10, TimeUnit.SECONDS).toString()).startsWith("spring-async-");
        TaskContext.set("rid", "async-1");
        assertThat(work.seenRid().get(10, TimeUnit.SECONDS)).isEqualTo("async-1");
        TaskContext.clear();
        assertThat(work.seenRid().get(10, TimeUnit.SECONDS)).as("a later call without a context").isNull();
    }

    @Test
    void simpleAsyncTaskExecutorOnVirtualThreadsSeesSubmitterValue() throws Exception {
        Jdk21Threads.assumeAvailable();
        SimpleAsyncTaskExecutor virtual = new SimpleAsyncTaskExecutor("spring-virtual-");
        virtual.setVirtualThreads(true);
        try {
            TaskContext.set("rid", "virtual-1");
            CompletableFuture<Object> thread = new CompletableFuture<>();
            virtual.execute(() -> thread.complete(Jdk21Threads.isVirtual(Thread.currentThread())));
            assertThat(thread.get(10, TimeUnit.SECONDS)).isEqualTo(true);
            assertThat(TaskProbe.seenVia(virtual, "rid")).isEqualTo("virtual-1");
            assertThat(virtual.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).isEqualTo("virtual-1");
        } finally {
            virtual.close();
        }
    }
}
