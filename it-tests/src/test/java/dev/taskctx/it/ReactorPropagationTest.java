package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import dev.taskctx.micrometer.TaskContextAccessor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * Reactor's automatic context propagation with taskctx-micrometer: {@code TaskContext} values written
 * into the Reactor {@code Context} ({@code contextCapture()}, {@code contextWrite}) are the task context
 * inside operators, also on threads no agent hand-off covers.
 */
@Tag("micrometer")
class ReactorPropagationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @BeforeAll
    static void automaticMode() {
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterAll
    static void manualMode() {
        Hooks.disableAutomaticContextPropagation();
    }

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    private static Snapshot contextWith(String key, String value) {
        Snapshot previous = Snapshot.empty().install();
        try {
            TaskContext.set(key, value);
            return TaskContext.capture();
        } finally {
            previous.install();
        }
    }

    @Test
    void subscribeOnSeesTheCapturedContext() {
        TaskContext.set("request_id", "subscribeOn-1");
        Object seen = Mono.fromCallable(() -> TaskContext.get("request_id", "none"))
                .subscribeOn(Schedulers.boundedElastic())
                .contextCapture()
                .block(TIMEOUT);
        assertThat(seen).isEqualTo("subscribeOn-1");
    }

    @Test
    void publishOnSeesTheCapturedContext() {
        TaskContext.set("request_id", "publishOn-1");
        Object seen = Mono.just(1)
                .publishOn(Schedulers.parallel())
                .map(one -> TaskContext.get("request_id", "none"))
                .contextCapture()
                .block(TIMEOUT);
        assertThat(seen).isEqualTo("publishOn-1");
    }

    @Test
    void contextWrittenIntoTheReactorContextIsTheTaskContextInOperators() {
        Object seen = Mono.just(1)
                .publishOn(Schedulers.parallel())
                .map(one -> TaskContext.get("request_id", "none"))
                .contextWrite(Context.of(TaskContextAccessor.KEY, contextWith("request_id", "written-1")))
                .block(TIMEOUT);
        assertThat(seen).isEqualTo("written-1");
        assertThat(TaskContext.get("request_id")).isNull();
    }

    @Test
    void sinkEmittedByAContextlessThreadDeliversInTheSubscribersContext() throws Exception {
        Sinks.One<String> sink = Sinks.one();
        TaskContext.set("request_id", "sink-1");
        CompletableFuture<String> seen = sink.asMono()
                .map(value -> value + ":" + TaskContext.get("request_id", "none"))
                .contextCapture()
                .toFuture();
        TaskContext.clear();
        Thread[] emitter = new Thread[1];
        Snapshot.empty().run(() -> emitter[0] = new Thread(() -> sink.tryEmitValue("emitted")));
        emitter[0].start();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("emitted:sink-1");
    }

    /** A chain over a sink, emitted on this thread while it holds {@code request_id=emitting}. */
    private static String emittedHere(java.util.function.UnaryOperator<Mono<String>> chain) throws Exception {
        Sinks.One<String> sink = Sinks.one();
        CompletableFuture<String> seen = chain.apply(sink.asMono().map(value -> TaskContext.get("request_id", "none")))
                .toFuture();
        TaskContext.set("request_id", "emitting");
        sink.tryEmitValue("emitted");
        assertThat(TaskContext.get("request_id")).as("the emitting thread's own context afterwards").isEqualTo("emitting");
        return seen.get(10, TimeUnit.SECONDS);
    }

    /**
     * The trap: in automatic mode, where a signal comes from outside Reactor (a sink, a future), Reactor
     * sets the thread-locals from the Reactor {@code Context} and clears those missing from it, whether
     * the chain has its own {@code contextWrite} or none: the operators downstream see no task context,
     * not even the emitting thread's, unless the task context is in the Reactor {@code Context}.
     */
    @Test
    void signalFromASinkSeesOnlyTheTaskContextInTheReactorContext() throws Exception {
        assertThat(emittedHere(mono -> mono)).isEqualTo("none");
        assertThat(emittedHere(mono -> mono.contextWrite(Context.of("tenant", "acme")))).isEqualTo("none");
    }

    /** What users do: write the task context into the Reactor Context too ({@code contextCapture()} at subscription). */
    @Test
    void contextCaptureBesideTheContextWriteCarriesTheSubscribersTaskContext() throws Exception {
        TaskContext.set("request_id", "subscriber");
        assertThat(emittedHere(mono -> mono.contextWrite(Context.of("tenant", "acme")).contextCapture()))
                .isEqualTo("subscriber");
    }
}
