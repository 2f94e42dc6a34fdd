package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Netty's event loops (netty-transport 4.2), a {@code DefaultEventLoopGroup} and an NIO group: a
 * loop is an executor with its own queue, scheduled-task queue and thread, started lazily inside the
 * first {@code execute}. Each test runs on a group of one loop, so every task meets the same thread.
 */
class NettyPropagationTest {

    @RegisterExtension
    final AgentPools agent = new AgentPools();

    private final List<EventLoopGroup> groups = new ArrayList<>();

    static Stream<Arguments> groupKinds() {
        return Stream.of(
                Arguments.of("DefaultEventLoopGroup", (Supplier<EventLoopGroup>) () -> new DefaultEventLoopGroup(1)),
                Arguments.of("NIO MultiThreadIoEventLoopGroup",
                        (Supplier<EventLoopGroup>) () -> new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory())));
    }

    @AfterEach
    void shutDown() {
        for (EventLoopGroup group : groups) {
            assertThat(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS))
                    .as("group shut down").isTrue();
        }
    }

    /** A group whose loop is not started yet: it starts inside the first execute(). */
    private EventLoopGroup unstartedGroup(Supplier<EventLoopGroup> kind) {
        EventLoopGroup group = kind.get();
        groups.add(group);
        return group;
    }

    /** A group whose loop was started by a task without a context, so that only the test's own hand-offs count. */
    private EventLoopGroup group(Supplier<EventLoopGroup> kind) throws Exception {
        EventLoopGroup group = unstartedGroup(kind);
        group.submit(() -> { }).get(10, TimeUnit.SECONDS);
        return group;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void executeSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        TaskContext.set("rid", "execute-1");
        assertThat(TaskProbe.seenVia(group, "rid")).isEqualTo("execute-1");
        TaskContext.set("rid", "execute-2");
        assertThat(TaskProbe.seenVia(group, "rid")).isEqualTo("execute-2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void submitSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        TaskContext.set("rid", "submit-1");
        assertThat(group.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS)).isEqualTo("submit-1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void scheduleCallableSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        // Outside the loop, schedule() hands the task to execute(); its first run only moves it to the
        // loop's scheduled-task queue, from which the loop runs it when due.
        TaskContext.set("rid", "schedule-1");
        ScheduledFuture<Object> scheduled = group.schedule(() -> TaskContext.get("rid"), 2, TimeUnit.MILLISECONDS);
        TaskContext.clear();
        assertThat(scheduled.get(10, TimeUnit.SECONDS)).isEqualTo("schedule-1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void scheduleRunnableSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        TaskContext.set("rid", "schedule-runnable-1");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        group.schedule(() -> {
            seen.complete(TaskContext.get("rid"));
        }, 2, TimeUnit.MILLISECONDS);
        TaskContext.clear();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("schedule-runnable-1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void scheduleFromInsideTheLoopSeesTaskValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        // Inside the loop, schedule() puts the task straight on the scheduled-task queue, without execute().
        TaskContext.set("rid", "outer-1");
        CompletableFuture<Object> seen = new CompletableFuture<>();
        group.execute(() -> {
            TaskContext.set("rid", "set-inside-loop");
            group.next().schedule(() -> seen.complete(TaskContext.get("rid")), 2, TimeUnit.MILLISECONDS);
        });
        TaskContext.clear();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("set-inside-loop");
    }

    /** Records what {@code runs} runs of a periodic task saw; other tasks run on the loop between them. */
    private static List<Object> periodicRuns(EventLoopGroup group, boolean fixedRate, int runs) throws Exception {
        Queue<Object> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch ran = new CountDownLatch(runs);
        TaskContext.set("rid", "periodic-1");
        Runnable task = () -> {
            seen.add(String.valueOf(TaskContext.get("rid")));
            TaskContext.set("rid", "changed-by-run");
            ran.countDown();
        };
        ScheduledFuture<?> periodic = fixedRate
                ? group.scheduleAtFixedRate(task, 1, 2, TimeUnit.MILLISECONDS)
                : group.scheduleWithFixedDelay(task, 1, 2, TimeUnit.MILLISECONDS);
        TaskContext.clear();
        try {
            for (int i = 0; i < runs; i++) {
                group.execute(() -> TaskContext.set("rid", "set-by-a-task-between-runs"));
            }
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("%d runs", runs).isTrue();
        } finally {
            periodic.cancel(false);
        }
        return new ArrayList<>(seen);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void scheduleAtFixedRateEveryRunSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        assertThat(periodicRuns(group, true, 4)).hasSizeGreaterThanOrEqualTo(4).containsOnly("periodic-1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void scheduleWithFixedDelayEveryRunSeesSubmitterValue(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        assertThat(periodicRuns(group, false, 4)).hasSizeGreaterThanOrEqualTo(4).containsOnly("periodic-1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void loopDoesNotKeepWhatATaskSetWhenSubmittersHadNoContext(String kind, Supplier<EventLoopGroup> groupKind)
            throws Exception {
        EventLoopGroup group = group(groupKind);
        assertThat(TaskProbe.seenAfterATaskSet(group, "rid")).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void loopDoesNotKeepSubmitterValueAfterTask(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = group(groupKind);
        TaskContext.set("rid", "request-1");
        assertThat(TaskProbe.seenVia(group, "rid")).isEqualTo("request-1");
        TaskContext.clear();
        assertThat(TaskProbe.seenVia(group, "rid")).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void loopStartedInsideRequestKeepsNothing(String kind, Supplier<EventLoopGroup> groupKind) throws Exception {
        EventLoopGroup group = unstartedGroup(groupKind);
        Object[] seenInRequest = new Object[1];
        // The loop's thread starts inside the first execute(), which happens inside the request.
        WeakReference<byte[]> payload = RequestPayload.run(() -> seenInRequest[0] =
                group.submit(() -> TaskContext.get(RequestPayload.KEY) != null).get(10, TimeUnit.SECONDS));
        assertThat(seenInRequest[0]).as("the request's task sees its value").isEqualTo(true);
        assertThat(group.submit(() -> TaskContext.get(RequestPayload.KEY)).get(10, TimeUnit.SECONDS))
                .as("a later task without a context").isNull();
        RequestPayload.assertCollected(payload);
        assertThat(group.isShutdown()).as("the group lives on").isFalse();
    }

    /** Completes {@code promise} from a thread of its own whose context holds {@code rid} = {@code completer}. */
    private static void completeFromAnotherRequest(Promise<Object> promise, String completer) throws InterruptedException {
        Thread thread = new Thread(() -> {
            TaskContext.set("rid", completer);
            promise.setSuccess("done");
        });
        thread.start();
        thread.join(10_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void promiseListenerRunsWithTheRegisteringContextNotTheCompletersOne(String kind, Supplier<EventLoopGroup> groupKind)
            throws Exception {
        EventLoopGroup group = group(groupKind);
        Promise<Object> promise = group.next().newPromise();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("rid", "registering");
        promise.addListener(future -> seen.complete(TaskContext.get("rid")));
        TaskContext.clear();
        completeFromAnotherRequest(promise, "completer");
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("registering");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void promiseListenerAddedWithoutAContextSeesNothingOfTheCompleter(String kind, Supplier<EventLoopGroup> groupKind)
            throws Exception {
        EventLoopGroup group = group(groupKind);
        Promise<Object> promise = group.next().newPromise();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        promise.addListener(future -> seen.complete(String.valueOf(TaskContext.get("rid"))));
        completeFromAnotherRequest(promise, "completer");
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("null");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groupKinds")
    void listenersAddedByTwoRequestsSeeNeitherRequestsValue(String kind, Supplier<EventLoopGroup> groupKind)
            throws Exception {
        EventLoopGroup group = group(groupKind);
        Promise<Object> promise = group.next().newPromise();
        Queue<Object> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch ran = new CountDownLatch(2);
        for (String request : new String[] {"request-A", "request-B"}) {
            TaskContext.set("rid", request);
            promise.addListener(future -> {
                seen.add(String.valueOf(TaskContext.get("rid")));
                ran.countDown();
            });
        }
        TaskContext.clear();
        completeFromAnotherRequest(promise, "completer");
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("null", "null");
    }
}
