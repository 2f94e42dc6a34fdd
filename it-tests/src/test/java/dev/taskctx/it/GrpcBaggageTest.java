package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * gRPC (grpc-java, Netty transport, plaintext on 127.0.0.1) carries W3C baggage as the {@code baggage}
 * metadata entry: out from blocking, future and async calls, and into a service method's context, in
 * JVMs started with the options under test.
 */
class GrpcBaggageTest {

    private static final String ALL_OUT = "baggage.out=rid;user,baggage.hosts=127.0.0.1";
    private static final String AWKWARD = "r 1,;%\u00e9";
    private static final String AWKWARD_ENCODED = "r%201%2C%3B%25%C3%A9";

    static final Metadata.Key<String> BAGGAGE = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);

    static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
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

    static final MethodDescriptor<String, String> PROBE = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("taskctx.Probe/See")
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();

    static final MethodDescriptor<String, String> COLLECT = PROBE.toBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
            .setFullMethodName("taskctx.Probe/Collect")
            .build();

    static Server start(ServerServiceDefinition service, boolean directExecutor) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(service);
        // One application thread runs every call, so consecutive calls share it; a daemon, as nothing shuts it down.
        return (directExecutor ? builder.directExecutor() : builder.executor(Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "grpc-calls");
            thread.setDaemon(true);
            return thread;
        }))).build().start();
    }

    static ManagedChannel channel(String host, int port) {
        return Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create()).build();
    }

    static String blocking(Channel channel, CallOptions options) {
        return ClientCalls.blockingUnaryCall(channel, PROBE, options, "");
    }

    static CompletableFuture<String> async(Channel channel) {
        CompletableFuture<String> reply = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channel.newCall(PROBE, CallOptions.DEFAULT), "", completing(reply));
        return reply;
    }

    /** A response observer that completes {@code reply} with the single response. */
    static StreamObserver<String> completing(CompletableFuture<String> reply) {
        return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {
                reply.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                reply.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    static void shutDown(ManagedChannel... channels) throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Prints, per call, the {@code baggage} entries the server received. */
    public static final class OutboundMain {
        private static final Context.Key<String> RECEIVED = Context.key("received");

        public static void main(String[] args) throws Exception {
            ServerInterceptor recording = new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                   ServerCallHandler<Q, R> next) {
                    Iterable<String> lines = headers.getAll(BAGGAGE);
                    List<String> seen = null;
                    if (lines != null) {
                        seen = new ArrayList<>();
                        lines.forEach(seen::add);
                    }
                    return Contexts.interceptCall(Context.current().withValue(RECEIVED, String.valueOf(seen)), call, headers, next);
                }
            };
            ServerServiceDefinition service = ServerInterceptors.intercept(ServerServiceDefinition.builder("taskctx.Probe")
                    .addMethod(PROBE, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> reply) -> {
                        reply.onNext("header=" + RECEIVED.get());
                        reply.onCompleted();
                    }))
                    .build(), recording);
            Server server = start(service, false);
            int port = server.getPort();
            ManagedChannel local = channel("127.0.0.1", port);
            ManagedChannel other = channel("localhost", port);
            ManagedChannel racing = channel("127.0.0.1", port);
            try {
                // A new channel's first calls wait for its name to resolve: they are started later, by
                // the thread that resolved it, which ran the resolution with the first caller's context.
                TaskContext.set("rid", "first");
                CompletableFuture<String> firstPending = async(racing);
                TaskContext.clear();
                CompletableFuture<String> emptyPending = async(racing);
                System.out.println("pending-first: " + firstPending.get(30, TimeUnit.SECONDS));
                System.out.println("pending-empty: " + emptyPending.get(30, TimeUnit.SECONDS));

                TaskContext.set("rid", AWKWARD);
                TaskContext.set("secret", "s3cret");
                System.out.println("blocking: " + blocking(local, CallOptions.DEFAULT));
                System.out.println("future: " + ClientCalls.futureUnaryCall(local.newCall(PROBE, CallOptions.DEFAULT), "")
                        .get(30, TimeUnit.SECONDS));
                System.out.println("async: " + async(local).get(30, TimeUnit.SECONDS));
                System.out.println("other-host: " + blocking(other, CallOptions.DEFAULT));
                System.out.println("call-authority-not-listed: "
                        + blocking(local, CallOptions.DEFAULT.withAuthority("localhost:" + port)));
                TaskContext.set("user", "u");
                Metadata own = new Metadata();
                own.put(BAGGAGE, "rid=app;p=1");
                own.put(BAGGAGE, "other=o");
                Channel withOwn = ClientInterceptors.intercept(local, MetadataUtils.newAttachHeadersInterceptor(own));
                System.out.println("app-header: " + blocking(withOwn, CallOptions.DEFAULT));
                TaskContext.clear();
                System.out.println("empty-context: " + blocking(local, CallOptions.DEFAULT));
                System.out.println("empty-context-async: " + async(local).get(30, TimeUnit.SECONDS));
            } finally {
                shutDown(local, other, racing);
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Prints, per call, what the service method and a pool task it starts saw, on a server whose calls
     * run on one application thread and on one whose calls run on the transport's thread.
     */
    public static final class InboundMain {
        public static void main(String[] args) throws Exception {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            ServerServiceDefinition service = ServerServiceDefinition.builder("taskctx.Probe")
                    .addMethod(PROBE, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> reply) -> {
                        String seen = new TreeMap<>(TaskContext.asMap()).toString();
                        String pooled;
                        try {
                            pooled = pool.submit(() -> new TreeMap<>(TaskContext.asMap()).toString()).get();
                        } catch (Exception e) {
                            pooled = e.toString();
                        }
                        TaskContext.set("leftover", "from an earlier call");
                        reply.onNext("context=" + seen + " pooled=" + pooled);
                        reply.onCompleted();
                    }))
                    .addMethod(COLLECT, ServerCalls.asyncClientStreamingCall(reply -> new StreamObserver<String>() {
                        private final List<String> seen = new ArrayList<>();

                        @Override
                        public void onNext(String value) {
                            seen.add(new TreeMap<>(TaskContext.asMap()).toString());
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            seen.add(new TreeMap<>(TaskContext.asMap()).toString());
                            reply.onNext(String.join(" ", seen));
                            reply.onCompleted();
                        }
                    }))
                    .build();
            for (boolean direct : new boolean[] {false, true}) {
                Server server = start(service, direct);
                ManagedChannel channel = channel("127.0.0.1", server.getPort());
                String name = direct ? "direct" : "executor";
                try {
                    System.out.println(name + " allowed: " + withHeader(channel, "rid=r%201,other=o,user=u"));
                    System.out.println(name + " not-allowed: " + withHeader(channel, "other=o"));
                    System.out.println(name + " none: " + blocking(channel, CallOptions.DEFAULT));
                    System.out.println(name + " streaming: " + streaming(channel, "rid=r%201,other=o,user=u"));
                } finally {
                    shutDown(channel);
                    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
            }
            pool.shutdown();
        }

        /** A client-streaming call whose message and half-close arrive apart, each an event of its own. */
        private static String streaming(Channel channel, String baggage) throws Exception {
            Metadata headers = new Metadata();
            headers.put(BAGGAGE, baggage);
            Channel intercepted = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
            CompletableFuture<String> reply = new CompletableFuture<>();
            StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                    intercepted.newCall(COLLECT, CallOptions.DEFAULT), completing(reply));
            requests.onNext("first");
            Thread.sleep(200);
            requests.onCompleted();
            return reply.get(30, TimeUnit.SECONDS);
        }

        private static String withHeader(Channel channel, String baggage) {
            Metadata headers = new Metadata();
            headers.put(BAGGAGE, baggage);
            return blocking(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
                    CallOptions.DEFAULT);
        }
    }

    /** The outbound run with the options on, shared by the tests that read it. */
    private static JvmRunner.Result runOutbound() throws Exception {
        return BaggageRequests.runOnce(OutboundMain.class, ALL_OUT);
    }

    @Test
    void allowedKeysTravelPercentEncodedAndSecretsStayHome() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("blocking: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void futureAndAsyncCallsSendTheCallersEntries() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("future: header=[rid=" + AWKWARD_ENCODED + "]",
                "async: header=[rid=" + AWKWARD_ENCODED + "]");
    }

    @Test
    void hostsNotListedGetNoHeader() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("other-host: header=null", "call-authority-not-listed: header=null");
    }

    @Test
    void theApplicationsEntryIsMergedIntoOneAndItsMembersWin() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("app-header: header=[rid=app;p=1,other=o,user=u]");
    }

    @Test
    void anEmptyContextSendsNothing() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("empty-context: header=null", "empty-context-async: header=null");
    }

    /** A call started before its channel resolved its name is started later by another thread, with its caller's entries. */
    @Test
    void callsWaitingForTheChannelSendTheirOwnCallersEntries() throws Exception {
        assertThat(runOutbound().stdoutLines()).contains("pending-first: header=[rid=first]", "pending-empty: header=null");
    }

    @Test
    void withoutTheOptionsNothingIsSent() throws Exception {
        List<String> lines = BaggageRequests.run(OutboundMain.class, "").stdoutLines();
        assertThat(lines).contains("blocking: header=null", "async: header=null", "pending-first: header=null",
                "app-header: header=[rid=app;p=1, other=o]");
    }

    @Test
    void theServiceMethodAndItsTasksSeeTheAllowedEntries() throws Exception {
        List<String> lines = BaggageRequests.run(InboundMain.class, "baggage.in=rid;user").stdoutLines();
        for (String server : List.of("executor", "direct")) {
            assertThat(lines).contains(server + " allowed: context={rid=r 1, user=u} pooled={rid=r 1, user=u}",
                    server + " not-allowed: context={} pooled={}",
                    server + " none: context={} pooled={}");
        }
    }

    /** Each message and the half-close are events of their own, handed to the call's executor by the transport. */
    @Test
    void everyEventOfAStreamingCallSeesTheAllowedEntries() throws Exception {
        List<String> lines = BaggageRequests.run(InboundMain.class, "baggage.in=rid;user").stdoutLines();
        assertThat(lines).contains("executor streaming: {rid=r 1, user=u} {rid=r 1, user=u}",
                "direct streaming: {rid=r 1, user=u} {rid=r 1, user=u}");
    }

    @Test
    void withoutTheOptionNothingIsApplied() throws Exception {
        List<String> lines = BaggageRequests.run(InboundMain.class, "").stdoutLines();
        assertThat(lines).contains("executor allowed: context={} pooled={}", "direct allowed: context={} pooled={}");
    }
}
