package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A grpc-java server (Netty transport, 127.0.0.1) under the agent's defaults: every call is a task of
 * its own. It starts empty, also on a server started inside a request and on one whose calls run on
 * the transport's own threads ({@code directExecutor}); what its service method sets is gone for the
 * next call; what it hands off carries its values; concurrent calls never see each other's. Each call's
 * work goes through its {@code SerializingExecutor}, whose tasks the {@code executors} family bounds;
 * the {@code grpc} family adds the call's inbound baggage to every event ({@code GrpcBaggageTest}).
 */
class GrpcServerTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        pool.shutdownNow();
        TaskContext.clear();
    }

    /** Answers what the call's context held at its start, then sets the request's {@code rid} (never cleared) and reads it from a pool task. */
    private ServerServiceDefinition probe() {
        return ServerServiceDefinition.builder("taskctx.Probe")
                .addMethod(GrpcBaggageTest.PROBE, ServerCalls.asyncUnaryCall((String rid, StreamObserver<String> reply) -> {
                    String atStart = new TreeMap<>(TaskContext.asMap()).toString();
                    TaskContext.set("rid", rid);
                    TaskContext.set("leftover", "from " + rid);
                    String pooled;
                    try {
                        pooled = pool.submit(() -> String.valueOf(TaskContext.get("rid"))).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        pooled = e.toString();
                    }
                    reply.onNext(atStart + " " + pooled);
                    reply.onCompleted();
                }))
                .build();
    }

    private int startInsideARequest(boolean directExecutor) throws Exception {
        TaskContext.set("rid", "the request that started the server");
        Server server = GrpcBaggageTest.start(probe(), directExecutor);
        TaskContext.clear();
        toClose.add(() -> server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
        return server.getPort();
    }

    private ManagedChannel channel(int port) {
        ManagedChannel channel = GrpcBaggageTest.channel("127.0.0.1", port);
        toClose.add(() -> channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
        return channel;
    }

    private static String call(ManagedChannel channel, String rid) {
        return ClientCalls.blockingUnaryCall(channel, GrpcBaggageTest.PROBE, CallOptions.DEFAULT, rid);
    }

    @ParameterizedTest(name = "directExecutor={0}")
    @ValueSource(booleans = {false, true})
    void callsInARowOnOneConnectionEachStartEmptyAndHandOffTheirOwnValues(boolean directExecutor) throws Exception {
        ManagedChannel channel = channel(startInsideARequest(directExecutor));
        for (int i = 0; i < 20; i++) {
            assertThat(call(channel, "r" + i)).as("call %d", i).isEqualTo("{} r" + i);
        }
    }

    @ParameterizedTest(name = "directExecutor={0}")
    @ValueSource(booleans = {false, true})
    void concurrentCallsNeverSeeEachOthersValues(boolean directExecutor) throws Exception {
        ManagedChannel channel = channel(startInsideARequest(directExecutor));
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String rid = "c" + i;
                answers.add(CompletableFuture.supplyAsync(() -> call(channel, rid), callers));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(60, TimeUnit.SECONDS)).as("call %d", i).isEqualTo("{} c" + i);
            }
        } finally {
            callers.shutdownNow();
        }
    }
}
