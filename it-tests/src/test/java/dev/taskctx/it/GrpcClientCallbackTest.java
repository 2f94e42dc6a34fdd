package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.taskctx.TaskContext;
import dev.taskctx.internal.Propagation;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.SynchronizationContext;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A grpc-java client's async callbacks (a {@code StreamObserver} given to an async stub, a
 * {@code ClientCall.Listener}) are the call's continuation: they run with the context of the thread
 * that started the call, on the channel's executor or, with {@code directExecutor()}, on the transport's
 * event loop; what they set is gone for the next call's callbacks, and concurrent calls never see each
 * other's values. Without the {@code grpc} family they run with the transport thread's context (empty),
 * and a callback sees what the one before it set where the call's executor runs both in one task.
 * The context a call's listener is bound to is held while the call waits for its answer and goes with it,
 * also when that context holds the call itself.
 */
class GrpcClientCallbackTest {

    /** Answers with its request three times: three {@code onNext} callbacks, then {@code onCompleted}. */
    static final MethodDescriptor<String, String> THRICE = GrpcBaggageTest.PROBE.toBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("taskctx.Echo/Thrice")
            .build();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        TaskContext.clear();
    }

    private ManagedChannel channelToAnEchoServer(boolean directExecutor) throws Exception {
        Server server = GrpcBaggageTest.start(ServerServiceDefinition.builder("taskctx.Echo")
                .addMethod(THRICE, ServerCalls.asyncServerStreamingCall((String request, StreamObserver<String> reply) -> {
                    for (int i = 0; i < 3; i++) {
                        reply.onNext(request);
                    }
                    reply.onCompleted();
                }))
                .build(), false);
        toClose.add(() -> server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
        ManagedChannelBuilder<?> builder = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
                InsecureChannelCredentials.create());
        ManagedChannel channel = (directExecutor ? builder.directExecutor() : builder).build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
        return channel;
    }

    /**
     * Starts an async call from the current thread; completes with what each callback saw (the context's
     * entries, then the response), and leaves a value of its own behind in each callback's context.
     */
    private static CompletableFuture<List<String>> call(ManagedChannel channel, String request) {
        return call(channel.newCall(THRICE, CallOptions.DEFAULT), request);
    }

    private static CompletableFuture<List<String>> call(ClientCall<String, String> clientCall, String request) {
        CompletableFuture<List<String>> seen = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        ClientCalls.asyncServerStreamingCall(clientCall, request, new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                lines.add("onNext " + new TreeMap<>(TaskContext.asMap()) + " " + value);
                TaskContext.set("leftover", "from " + value);
                if (lines.size() == 1) {
                    // The next events queue up meanwhile, so that the call's executor runs them in this same task.
                    sleep20ms();
                }
            }

            @Override
            public void onError(Throwable failure) {
                seen.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                lines.add("onCompleted " + new TreeMap<>(TaskContext.asMap()));
                TaskContext.set("leftover", "from onCompleted");
                seen.complete(lines);
            }
        });
        return seen;
    }

    private static void sleep20ms() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> expected(String rid, String request) {
        String entries = rid == null ? "{}" : "{rid=" + rid + "}";
        return List.of("onNext " + entries + " " + request, "onNext " + entries + " " + request,
                "onNext " + entries + " " + request, "onCompleted " + entries);
    }

    @ParameterizedTest(name = "directExecutor={0}")
    @ValueSource(booleans = {false, true})
    void callbacksSeeTheCallersValuesAndTheNextCallFromAnEmptyContextSeesNone(boolean directExecutor) throws Exception {
        ManagedChannel channel = channelToAnEchoServer(directExecutor);
        for (int i = 0; i < 10; i++) {
            TaskContext.set("rid", "caller-" + i);
            CompletableFuture<List<String>> withValues = call(channel, "r" + i);
            TaskContext.clear();
            assertThat(withValues.get(10, TimeUnit.SECONDS)).as("call %d", i).isEqualTo(expected("caller-" + i, "r" + i));
            assertThat(call(channel, "empty" + i).get(10, TimeUnit.SECONDS)).as("call %d", i)
                    .isEqualTo(expected(null, "empty" + i));
        }
    }

    @Test
    void aCallsContextIsHeldWhileItsCallLivesAndGoesWithIt() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        Server server = GrpcBaggageTest.start(ServerServiceDefinition.builder("taskctx.Echo")
                .addMethod(THRICE, ServerCalls.asyncServerStreamingCall((String request, StreamObserver<String> reply) -> {
                    try {
                        answer.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    reply.onNext(request);
                    reply.onCompleted();
                }))
                .build(), false);
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
                InsecureChannelCredentials.create()).build();
        try {
            List<CompletableFuture<List<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ClientCall<String, String> clientCall = channel.newCall(THRICE, CallOptions.DEFAULT);
                TaskContext.set("rid", "held-" + i);
                // A value that reaches the call itself, and through it the listener its context is bound to.
                TaskContext.set("call", clientCall);
                calls.add(call(clientCall, "h" + i));
            }
            TaskContext.clear();
            assertThat(Propagation.boundGrpcWork()).as("calls waiting for their answer").isGreaterThanOrEqualTo(20);
            answer.countDown();
            for (CompletableFuture<List<String>> call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS)).hasSize(2);
            }
        } finally {
            answer.countDown();
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return Propagation.boundGrpcWork() == 0;
        });
    }

    /**
     * The first call on a new channel waits for its name and its connection: its stream is made later, in
     * the channel's machinery, where its call credentials are applied. They see the context of the call's
     * start, as a later call's do on the caller's own thread.
     */
    @Test
    void callCredentialsSeeTheCallersContextAlsoWhenTheCallWaitedForItsConnection() throws Exception {
        ManagedChannel channel = channelToAnEchoServer(false);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CallCredentials credentials = new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
                seen.add(String.valueOf(TaskContext.get("rid")));
                applier.apply(new Metadata());
            }
        };
        for (int i = 0; i < 3; i++) {
            TaskContext.set("rid", "credentials-" + i);
            assertThat(call(channel.newCall(THRICE, CallOptions.DEFAULT.withCallCredentials(credentials)), "c" + i)
                    .get(10, TimeUnit.SECONDS)).hasSize(4);
        }
        assertThat(seen).containsExactly("credentials-0", "credentials-1", "credentials-2");
    }

    /**
     * A channel's machinery runs in its {@code SynchronizationContext}, drained by whichever thread queues
     * into it (a request's, a resolver's, a health check's callback): its tasks run with the empty context,
     * neither the draining thread's nor the queuing one's, and the draining thread gets its own back.
     */
    @Test
    void aSynchronizationContextRunsItsTasksWithTheEmptyContext() throws Exception {
        SynchronizationContext machinery = new SynchronizationContext((thread, failure) -> { });
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch draining = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);
        TaskContext.set("rid", "draining request");
        Thread other = new Thread(() -> {
            try {
                draining.await(10, TimeUnit.SECONDS);
                TaskContext.set("rid", "queuing request");
                machinery.execute(() -> seen.add("queued by another " + TaskContext.asMap()));
                queued.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        machinery.execute(() -> {
            seen.add("inline " + TaskContext.asMap());
            TaskContext.set("leftover", "from the machinery");
            draining.countDown();
            try {
                queued.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.join(10_000);
        assertThat(seen).containsExactly("inline {}", "queued by another {}");
        assertThat(TaskContext.asMap()).isEqualTo(Map.of("rid", "draining request"));
    }

    @ParameterizedTest(name = "directExecutor={0}")
    @ValueSource(booleans = {false, true})
    void concurrentCallersEachSeeTheirOwnValuesInTheirCallbacks(boolean directExecutor) throws Exception {
        ManagedChannel channel = channelToAnEchoServer(directExecutor);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<List<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String rid = "c" + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    TaskContext.set("rid", rid);
                    return call(channel, "q" + rid);
                }, callers).thenCompose(answer -> answer));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).as("call %d", i).isEqualTo(expected("c" + i, "qc" + i));
            }
        } finally {
            callers.shutdownNow();
        }
    }
}
