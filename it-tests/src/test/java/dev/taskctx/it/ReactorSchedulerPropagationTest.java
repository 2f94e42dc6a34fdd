package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Project Reactor (reactor-core 3.8) with the agent alone, without Reactor's automatic context
 * propagation ({@code ReactorPropagationTest} covers that mode with taskctx-micrometer): its schedulers
 * hand work to {@code ScheduledThreadPoolExecutor}s (or to the given {@code ExecutorService}) at
 * subscription and at each signal they move, so the code that set a value before subscribing sees it
 * in the operators that run on scheduler threads, and a scheduler's threads keep nothing afterwards.
 */
class ReactorSchedulerPropagationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void dispose() {
        schedulers.forEach(Scheduler::dispose);
    }

    private Scheduler scheduler(Scheduler scheduler) {
        schedulers.add(scheduler);
        return scheduler;
    }

    private static String rid() {
        return Objects.toString(TaskContext.get("rid"));
    }

    private static Mono<String> ridSubscribedOn(Scheduler scheduler) {
        return Mono.fromCallable(ReactorSchedulerPropagationTest::rid).subscribeOn(scheduler);
    }

    private static Mono<String> ridPublishedOn(Scheduler scheduler) {
        return Mono.just("signal").publishOn(scheduler).map(signal -> rid());
    }

    @Test
    void subscribeOnBoundedElasticSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newBoundedElastic(2, 100, "test-elastic"));
        TaskContext.set("rid", "elastic-1");
        assertThat(ridSubscribedOn(scheduler).block(TIMEOUT)).isEqualTo("elastic-1");
    }

    @Test
    void publishOnBoundedElasticSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newBoundedElastic(2, 100, "test-elastic"));
        TaskContext.set("rid", "elastic-2");
        assertThat(ridPublishedOn(scheduler).block(TIMEOUT)).isEqualTo("elastic-2");
    }

    @Test
    void parallelSchedulerSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newParallel("test-parallel", 2));
        TaskContext.set("rid", "parallel-1");
        assertThat(ridSubscribedOn(scheduler).block(TIMEOUT)).isEqualTo("parallel-1");
        assertThat(ridPublishedOn(scheduler).block(TIMEOUT)).isEqualTo("parallel-1");
    }

    @Test
    void singleSchedulerSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newSingle("test-single"));
        TaskContext.set("rid", "single-1");
        assertThat(ridSubscribedOn(scheduler).block(TIMEOUT)).isEqualTo("single-1");
        assertThat(ridPublishedOn(scheduler).block(TIMEOUT)).isEqualTo("single-1");
    }

    @Test
    void executorServiceSchedulerSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.fromExecutorService(pools.add(Executors.newFixedThreadPool(2))));
        TaskContext.set("rid", "executor-1");
        assertThat(ridSubscribedOn(scheduler).block(TIMEOUT)).isEqualTo("executor-1");
        assertThat(ridPublishedOn(scheduler).block(TIMEOUT)).isEqualTo("executor-1");
    }

    @Test
    void publishOnEveryElementSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newParallel("test-parallel", 2));
        TaskContext.set("rid", "many-1");
        List<String> seen = Flux.range(0, 200).publishOn(scheduler, 8).map(i -> rid()).collectList().block(TIMEOUT);
        assertThat(seen).hasSize(200).containsOnly("many-1");
    }

    @Test
    void delayElementsSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newParallel("test-delay", 1));
        TaskContext.set("rid", "delay-1");
        List<String> seen = Flux.just(1, 2, 3).delayElements(Duration.ofMillis(2), scheduler).map(i -> rid())
                .collectList().block(TIMEOUT);
        assertThat(seen).containsExactly("delay-1", "delay-1", "delay-1");
    }

    @Test
    void intervalEveryTickSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newParallel("test-interval", 1));
        TaskContext.set("rid", "interval-1");
        List<String> seen = Flux.interval(Duration.ofMillis(2), scheduler).take(4).map(tick -> rid())
                .collectList().block(TIMEOUT);
        assertThat(seen).containsExactly("interval-1", "interval-1", "interval-1", "interval-1");
    }

    @Test
    void doOnNextOnSchedulerThreadSeesSubscriberValue() {
        Scheduler scheduler = scheduler(Schedulers.newSingle("test-single"));
        List<String> seen = new ArrayList<>();
        TaskContext.set("rid", "on-next-1");
        Flux.just(1, 2).publishOn(scheduler).doOnNext(i -> seen.add(rid())).blockLast(TIMEOUT);
        assertThat(seen).containsExactly("on-next-1", "on-next-1");
    }

    @Test
    void schedulerThreadsKeepNothingAfterwards() {
        Scheduler single = scheduler(Schedulers.newSingle("test-single"));
        Scheduler elastic = scheduler(Schedulers.newBoundedElastic(1, 100, "test-elastic"));
        TaskContext.set("rid", "request-1");
        assertThat(ridSubscribedOn(single).block(TIMEOUT)).isEqualTo("request-1");
        assertThat(ridPublishedOn(elastic).block(TIMEOUT)).isEqualTo("request-1");
        Mono.fromRunnable(() -> TaskContext.set("step", "set-in-operator")).subscribeOn(single).block(TIMEOUT);
        TaskContext.clear();
        assertThat(ridSubscribedOn(single).block(TIMEOUT)).isEqualTo("null");
        assertThat(ridPublishedOn(elastic).block(TIMEOUT)).isEqualTo("null");
        assertThat(Mono.fromCallable(TaskContext::asMap).subscribeOn(single).block(TIMEOUT)).isEmpty();
    }

    /**
     * A scheduler made inside a request (as {@code Schedulers.boundedElastic()} is, by whichever code
     * first asks for it) keeps nothing of it: the bounded-elastic evictor, a periodic task its
     * {@code init()} schedules, would otherwise hold the request's values for the scheduler's life.
     */
    @Test
    void schedulerMadeInsideARequestKeepsNothingOfIt() throws Exception {
        Scheduler[] made = new Scheduler[3];
        WeakReference<byte[]> payload = RequestPayload.run(4 << 20, () -> {
            made[0] = scheduler(Schedulers.newBoundedElastic(2, 100, "test-made-in-request"));
            made[1] = scheduler(Schedulers.newParallel("test-made-in-request", 2));
            made[2] = scheduler(Schedulers.newSingle("test-made-in-request"));
            for (Scheduler scheduler : made) {
                assertThat(ridSubscribedOn(scheduler).block(TIMEOUT)).isEqualTo("null");
            }
        });
        RequestPayload.assertCollected(payload);
        for (Scheduler scheduler : made) {
            assertThat(scheduler.isDisposed()).isFalse();
            assertThat(Mono.fromCallable(TaskContext::asMap).subscribeOn(scheduler).block(TIMEOUT)).isEmpty();
        }
    }
}
