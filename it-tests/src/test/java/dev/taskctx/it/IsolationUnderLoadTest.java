package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import dev.taskctx.TaskContext;
import dev.taskctx.internal.Propagation;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The security property: under load, no request ever sees another's values. Concurrent requests, each
 * with a unique id, fan out tasks across pools, fork/join, CompletableFuture stages, Netty event loops,
 * Guava listeners and (JDK 21+) virtual threads; every task hands off once more; every task checks that
 * its context is exactly its own request's. Bounded in count (32 x 3,200 tasks) and time (30 s per batch).
 * Run it alone with {@code mvn -B verify -pl it-tests -am -Dgroups=stress}.
 */
@Tag("stress")
class IsolationUnderLoadTest {

    private static final int REQUESTS = 32;
    private static final int BATCHES = 16;
    /** Tasks a request hands off per batch; each hands off one more, so a request runs 2 x 100 x 16 tasks. */
    private static final int BATCH = 100;
    private static final int TASKS_PER_REQUEST = 2 * BATCH * BATCHES;

    /** A pool that checks, outside every task, that its worker holds no context of its own. */
    private static final class WatchedPool extends ThreadPoolExecutor {
        final String name;
        final Set<Thread> workers = ConcurrentHashMap.newKeySet();
        final LongAdder restingChecks = new LongAdder();
        final Queue<String> restingLeaks = new ConcurrentLinkedQueue<>();

        WatchedPool(String name, int core, int max, java.util.concurrent.BlockingQueue<Runnable> queue) {
            super(core, max, 60, TimeUnit.SECONDS, queue);
            this.name = name;
            setThreadFactory(task -> {
                Thread worker = new Thread(task, name + "-worker");
                worker.setDaemon(true);
                workers.add(worker);
                return worker;
            });
        }

        @Override
        protected void beforeExecute(Thread worker, Runnable task) {
            checkResting("before a task");
        }

        @Override
        protected void afterExecute(Runnable task, Throwable thrown) {
            checkResting("after a task");
        }

        private void checkResting(String when) {
            restingChecks.increment();
            Map<String, Object> context = TaskContext.asMap();
            if (!context.isEmpty()) {
                restingLeaks.add(Thread.currentThread().getName() + " " + when + ": " + context);
            }
        }
    }

    /** One way of handing a task off. */
    private interface HandOff {
        void handOff(Runnable task);
    }

    /**
     * Where tasks are handed off: the watched pools, a plain Executors pool, a ForkJoinPool (execute and
     * fork), CompletableFuture async stages and dependents completed by a thread with a context of its
     * own, Netty event loops (execute and schedule), Guava listeners on futures completed by that
     * thread (inline and on a pool), and virtual threads on JDK 21+.
     */
    private final List<HandOff> destinations = new ArrayList<>();
    private final List<ExecutorService> pools = new ArrayList<>();
    private final List<String> destinationNames = new ArrayList<>();
    /** Completions of pending futures, run by the completer thread; {@link #STOP} ends it. */
    private final BlockingQueue<Runnable> toComplete = new LinkedBlockingQueue<>();
    private static final Runnable STOP = () -> { };
    private Thread completer;
    private EventLoopGroup netty;
    private final List<WatchedPool> watched = new ArrayList<>();
    private final LongAdder checked = new LongAdder();
    private final Queue<String> crossTalk = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void startPools() throws Exception {
        assertThat(TaskContext.agentActive()).as("this test runs with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        WatchedPool fixed = new WatchedPool("fixed", 4, 4, new LinkedBlockingQueue<>());
        // Executors.newCachedThreadPool()'s configuration.
        WatchedPool cached = new WatchedPool("cached", 0, Integer.MAX_VALUE, new SynchronousQueue<>());
        watched.add(fixed);
        watched.add(cached);
        ExecutorService plain = Executors.newFixedThreadPool(3);
        ForkJoinPool forkJoin = new ForkJoinPool(3);
        pools.addAll(List.of(fixed, cached, plain, forkJoin));
        destination("fixed pool", fixed::execute);
        destination("cached pool", cached::execute);
        destination("Executors.newFixedThreadPool", plain::execute);
        destination("ForkJoinPool.execute", forkJoin::execute);
        destination("ForkJoinTask.fork", task -> forkJoin.execute(() -> ForkJoinTask.adapt(task).fork()));
        destination("CompletableFuture.runAsync", task -> CompletableFuture.runAsync(task));
        destination("CompletableFuture.thenRunAsync", task -> CompletableFuture.supplyAsync(() -> "stage", plain)
                .thenRunAsync(task, cached));
        destination("CompletableFuture dependent completed elsewhere", task -> {
            CompletableFuture<Void> future = new CompletableFuture<>();
            future.thenRun(task);
            toComplete.add(() -> future.complete(null));
        });
        netty = new DefaultEventLoopGroup(2);
        destination("Netty EventLoopGroup.execute", netty::execute);
        destination("Netty EventLoopGroup.schedule", task -> netty.schedule(task, 1, TimeUnit.MILLISECONDS));
        destination("Guava listener completed elsewhere (directExecutor)", task -> {
            SettableFuture<Void> future = SettableFuture.create();
            future.addListener(task, MoreExecutors.directExecutor());
            toComplete.add(() -> future.set(null));
        });
        destination("Guava Futures.transform completed elsewhere (pool)", task -> {
            SettableFuture<Void> future = SettableFuture.create();
            Futures.transform(future, done -> {
                task.run();
                return done;
            }, plain);
            toComplete.add(() -> future.set(null));
        });
        ExecutorService virtual = virtualThreadPerTaskExecutor();
        if (virtual != null) {
            pools.add(virtual);
            destination("virtual threads", virtual::execute);
        }
        // Completes the futures of every request from a thread that holds a context of its own.
        completer = new Thread(() -> {
            TaskContext.set("request_id", "the-completer");
            try {
                for (Runnable completion = toComplete.take(); completion != STOP; completion = toComplete.take()) {
                    completion.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "completer");
        completer.start();
    }

    private void destination(String name, HandOff handOff) {
        destinationNames.add(name);
        destinations.add(handOff);
    }

    @AfterEach
    void stopPools() throws InterruptedException {
        TaskContext.clear();
        toComplete.add(STOP);
        completer.join(TimeUnit.SECONDS.toMillis(30));
        if (netty != null) {
            assertThat(netty.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(30, TimeUnit.SECONDS)).isTrue();
        }
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static ExecutorService virtualThreadPerTaskExecutor() throws Exception {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            System.out.println("isolation under load: virtual threads skipped: JDK " + Runtime.version().feature()
                    + " has no Executors.newVirtualThreadPerTaskExecutor");
            return null;
        }
    }

    private void check(String expectedId, Map<String, Object> expected) {
        checked.increment();
        Map<String, Object> seen = TaskContext.asMap();
        if (!seen.equals(expected)) {
            crossTalk.add(Thread.currentThread() + " expected " + expected + " (request " + expectedId + ") saw " + seen);
        }
    }

    /** One request: sets its id, then hands off batches of tasks that each hand off once more. */
    private void request(int number) {
        String id = "request-" + number + "-" + System.nanoTime();
        TaskContext.set("request_id", id);
        Map<String, Object> own = Map.of("request_id", id);
        try {
            for (int batch = 0; batch < BATCHES; batch++) {
                CountDownLatch done = new CountDownLatch(2 * BATCH);
                for (int i = 0; i < BATCH; i++) {
                    int task = batch * BATCH + i;
                    HandOff first = destinations.get((number + task) % destinations.size());
                    HandOff second = destinations.get((number + task + 1) % destinations.size());
                    first.handOff(() -> {
                        try {
                            check(id, own);
                            String step = "step-" + task;
                            TaskContext.set("step", step);
                            Map<String, Object> handedOn = Map.of("request_id", id, "step", step);
                            second.handOff(() -> {
                                try {
                                    check(id, handedOn);
                                } finally {
                                    done.countDown();
                                }
                            });
                        } finally {
                            done.countDown();
                        }
                    });
                }
                if (!done.await(30, TimeUnit.SECONDS)) {
                    crossTalk.add("request " + id + ": batch " + batch + " did not finish in 30 s");
                    return;
                }
            }
            check(id, own);
        } catch (InterruptedException e) {
            crossTalk.add("request " + id + " interrupted");
        }
    }

    /** Runs a probe on every live worker of {@code pool} at once; their before/after checks see the resting context. */
    private static int probeEveryWorker(WatchedPool pool, Queue<String> probeLeaks) throws InterruptedException {
        Set<Thread> probed = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 20; round++) {
            List<Thread> alive = pool.workers.stream().filter(Thread::isAlive).toList();
            if (probed.containsAll(alive)) {
                return probed.size();
            }
            CountDownLatch allHeld = new CountDownLatch(alive.size());
            CountDownLatch finished = new CountDownLatch(alive.size());
            for (int i = 0; i < alive.size(); i++) {
                pool.execute(() -> {
                    probed.add(Thread.currentThread());
                    if (!TaskContext.asMap().isEmpty()) {
                        probeLeaks.add(Thread.currentThread().getName() + " probe saw " + TaskContext.asMap());
                    }
                    allHeld.countDown();
                    try {
                        allHeld.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    finished.countDown();
                });
            }
            assertThat(finished.await(30, TimeUnit.SECONDS)).isTrue();
        }
        List<Thread> alive = pool.workers.stream().filter(Thread::isAlive).toList();
        assertThat(probed).as(pool.name + ": every live worker ran a probe").containsAll(alive);
        return probed.size();
    }

    /**
     * Runs, with an empty context, as many tasks at once as {@code pool} has parallelism: each must see
     * an empty context (a fork/join worker installs a task's own snapshot, or the empty one, around it).
     */
    private static int probeForkJoin(ForkJoinPool pool, Queue<String> probeLeaks) throws InterruptedException {
        int parallelism = pool.getParallelism();
        CountDownLatch finished = new CountDownLatch(parallelism);
        for (int i = 0; i < parallelism; i++) {
            pool.execute(() -> {
                if (!TaskContext.asMap().isEmpty()) {
                    probeLeaks.add(Thread.currentThread().getName() + " probe saw " + TaskContext.asMap());
                }
                finished.countDown();
            });
        }
        assertThat(finished.await(30, TimeUnit.SECONDS)).isTrue();
        return parallelism;
    }

    @Test
    void concurrentRequestsEachSeeOnlyTheirOwnContextAndNoWorkerKeepsOne() throws Exception {
        long start = System.nanoTime();
        List<Thread> requests = new ArrayList<>();
        for (int number = 0; number < REQUESTS; number++) {
            int requestNumber = number;
            requests.add(new Thread(() -> request(requestNumber), "request-" + number));
        }
        requests.forEach(Thread::start);
        for (Thread request : requests) {
            request.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(request.isAlive()).as(request.getName() + " finished").isFalse();
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        TaskContext.clear();
        Queue<String> probeLeaks = new ConcurrentLinkedQueue<>();
        int probedWorkers = 0;
        for (WatchedPool pool : watched) {
            probedWorkers += probeEveryWorker(pool, probeLeaks);
        }
        probedWorkers += probeForkJoin((ForkJoinPool) pools.get(3), probeLeaks);
        probedWorkers += probeForkJoin(ForkJoinPool.commonPool(), probeLeaks);
        long restingChecks = watched.stream().mapToLong(pool -> pool.restingChecks.sum()).sum();
        List<String> restingLeaks = new ArrayList<>();
        watched.forEach(pool -> restingLeaks.addAll(pool.restingLeaks));

        System.out.println("isolation under load: hand-offs used: " + String.join(", ", destinationNames));
        System.out.printf("isolation under load (JDK %d): %d requests, %d tasks checked in %d ms over %d kinds of hand-off, "
                        + "cross-talk found: %d; worker checks outside tasks: %d, contexts found there: %d; "
                        + "workers probed after the run: %d, contexts found: %d%n",
                Runtime.version().feature(), REQUESTS, checked.sum() - REQUESTS, elapsedMillis, destinations.size(),
                crossTalk.size(), restingChecks, restingLeaks.size(), probedWorkers, probeLeaks.size());

        assertThat(crossTalk).as("cross-talk").isEmpty();
        assertThat(checked.sum()).as("tasks checked, plus each request's own final check")
                .isEqualTo((long) REQUESTS * TASKS_PER_REQUEST + REQUESTS);
        assertThat(restingLeaks).as("a worker held a context outside a task").isEmpty();
        assertThat(probeLeaks).as("a probe after the run saw a context").isEmpty();
        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> {
            System.gc();
            return Propagation.boundTasks() == 0;
        });
    }
}
