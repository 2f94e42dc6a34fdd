package dev.taskctx.bench;

import dev.taskctx.TaskContext;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the agent costs a gRPC call (µs/op): one unary call over grpc-java's Netty transport to a server
 * on 127.0.0.1 whose service answers the {@code rid} its call's context holds, from a thread whose
 * context holds {@code rid} and {@code tenant}. {@code blockingUnary} waits on the calling thread;
 * {@code asyncUnary} gets its answer in a {@code StreamObserver} callback on the channel's executor, which
 * reads the caller's {@code rid} (the {@code grpc} family: the callback runs with the caller's context).
 * Run with no agent, with taskctx, and with taskctx and
 * {@code baggage.out=rid;tenant,baggage.hosts=127.0.0.1,baggage.in=rid;tenant}, where the call's metadata
 * carries the entries to the server (see bench/README, "gRPC").
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrpcBenchmarks {

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<String, String> RID = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("taskctx.Bench/Rid")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();

    @State(Scope.Thread)
    public static class Channel {

        Server server;
        ManagedChannel channel;

        @Setup(Level.Trial)
        public void start() throws Exception {
            server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(ServerServiceDefinition.builder("taskctx.Bench")
                            .addMethod(RID, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> reply) -> {
                                reply.onNext(String.valueOf(TaskContext.get("rid")));
                                reply.onCompleted();
                            }))
                            .build())
                    .build().start();
            channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                    .build();
            set();
            GrpcBenchmarks check = new GrpcBenchmarks();
            System.out.println("grpc check, " + System.getProperty("taskctx.baggage.in", "(options as given)")
                    + ": the service saw rid=" + check.blockingUnary(this) + " (blocking); the async callback saw "
                    + check.asyncUnary(this) + " (the service's answer, then the callback's own rid)");
        }

        @Setup(Level.Iteration)
        public void set() {
            TaskContext.set("rid", "request-1");
            TaskContext.set("tenant", "acme");
        }

        @TearDown(Level.Iteration)
        public void clear() {
            TaskContext.clear();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** One unary call, waited for on the calling thread: the service's answer. */
    @Benchmark
    public String blockingUnary(Channel channel) {
        return ClientCalls.blockingUnaryCall(channel.channel, RID, CallOptions.DEFAULT, "");
    }

    /** One unary call answered in a callback on the channel's executor: the answer and the callback's {@code rid}. */
    @Benchmark
    public String asyncUnary(Channel channel) {
        CompletableFuture<String> answer = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channel.channel.newCall(RID, CallOptions.DEFAULT), "", new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                answer.complete(value + " " + TaskContext.get("rid"));
            }

            @Override
            public void onError(Throwable failure) {
                answer.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
            }
        });
        return answer.join();
    }
}
