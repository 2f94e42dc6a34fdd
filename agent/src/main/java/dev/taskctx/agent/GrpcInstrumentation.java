package dev.taskctx.agent;

/**
 * grpc-java's server and client (any transport; tested over {@code grpc-netty-shaded}, whose Netty is
 * relocated, so the {@code netty} and {@code netty.inbound} families never see its event loops). The
 * server: a call's work (method look-up, start, each message, half-close, ready, close) is submitted
 * by the transport's thread to the call's {@code SerializingExecutor}, first from
 * {@code ServerImpl$ServerTransportListenerImpl.streamCreatedInternal}, then from the call's
 * {@code JumpToApplicationThreadServerStreamListener}, which that method builds. Each submission is a
 * task already ({@code executors}), but one carrying the transport thread's context, not the call's.
 * {@code streamCreatedInternal} is made the call's own task, starting empty, with the call's allowed
 * {@code baggage} entries where {@code baggage.in} is given, and the listener keeps that context for
 * every event it hands on, so the service method and what it hands off see the call's entries whichever
 * event runs it. The client: before a channel has its configuration, a call's start goes to a
 * {@code DelayedClientCall}, whose real start (call credentials, stream tracers, the stream's headers)
 * runs later on the thread that resolved the name; it runs with its caller's context, not with that of
 * whichever caller triggered the resolution. A started call's {@code ClientCallImpl$ClientStreamListenerImpl}
 * is built on the thread that starts it and keeps that context for the events the transport raises
 * (headers, messages, ready, close), so the application's listener or async stub observer runs with its
 * caller's values, on the channel's executor or, with {@code directExecutor}, on the transport's thread;
 * each event is handed to the call's executor as a task of its own ({@code executors}), so what one
 * callback sets is gone for the next. A channel's {@code SynchronizationContext} is its machinery (name
 * resolution, load balancing, health checks, the idle timer): its tasks run with the empty context, whichever
 * thread queued or drains them. Matched by class name; the agent never links to gRPC.
 */
final class GrpcInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        // A channel's own machinery (name resolution, load balancing, health checks, its idle timer) runs in
        // its SynchronizationContext, drained by whichever thread queues into it: each task with the empty context,
        // so that a call that machinery starts (a health check's stream) binds no request's values for the
        // channel's life. Every task goes through executeLater, also those of execute and schedule.
        plan.excludedExecutors.add("io.grpc.SynchronizationContext");
        plan.add("io/grpc/SynchronizationContext", MethodHook.on("executeLater", "(Ljava/lang/Runnable;)V")
                .enter(Hooks.machineryTask(MethodHook.Arg.parameter(0)), MethodHook.Result.REPLACE_PARAMETER).build());
        plan.add("io/grpc/internal/ServerImpl$ServerTransportListenerImpl", Hooks.grpcServerCall("streamCreatedInternal",
                "(Lio/grpc/internal/ServerStream;Ljava/lang/String;Lio/grpc/Metadata;Lio/perfmark/Tag;)V",
                MethodHook.Arg.parameter(2)));
        plan.add("io/grpc/internal/ServerImpl$JumpToApplicationThreadServerStreamListener",
                MethodHook.on("<init>", null).exitOnReturn(Hooks.grpcCallWorkHandedOver()).build(),
                Hooks.grpcCallWork("messagesAvailable", "(Lio/grpc/internal/StreamListener$MessageProducer;)V"),
                Hooks.grpcCallWork("halfClosed", "()V"),
                Hooks.lastGrpcCallWork("closed", "(Lio/grpc/Status;)V"),
                Hooks.grpcCallWork("onReady", "()V"),
                Hooks.grpcCallWork("triggerEvent", "(Ljava/lang/Object;)V"));
        plan.add("io/grpc/internal/ClientCallImpl$ClientStreamListenerImpl",
                MethodHook.on("<init>", null).exitOnReturn(Hooks.grpcCallWorkHandedOver()).build(),
                Hooks.grpcCallWork("headersRead", "(Lio/grpc/Metadata;)V"),
                Hooks.grpcCallWork("messagesAvailable", "(Lio/grpc/internal/StreamListener$MessageProducer;)V"),
                Hooks.lastGrpcCallWork("closed",
                        "(Lio/grpc/Status;Lio/grpc/internal/ClientStreamListener$RpcProgress;Lio/grpc/Metadata;)V"),
                Hooks.grpcCallWork("onReady", "()V"));
        // A start that has to wait builds a DelayedListener (a start passed straight through builds none):
        // the call is bound to its caller's context there, and internalStart, which runs it, drops the binding;
        // so is the listener, whose callbacks that came before the real call took over are replayed later.
        plan.add("io/grpc/internal/DelayedClientCall$DelayedListener",
                MethodHook.on("<init>", "(Lio/grpc/internal/DelayedClientCall;Lio/grpc/ClientCall$Listener;)V")
                        .exitOnReturn(Hooks.grpcDelayedCallWaits(MethodHook.Arg.parameter(0), MethodHook.Arg.THIS)).build(),
                Hooks.lastGrpcCallWork("drainPendingCallbacks", "()V"));
        // A stream that waits for a connection is made later, in the channel's machinery, with the call's
        // credentials applied then: it is bound to the context of the call's start, which built it.
        plan.add("io/grpc/internal/DelayedClientTransport$PendingStream",
                MethodHook.on("<init>", "(Lio/grpc/internal/DelayedClientTransport;Lio/grpc/LoadBalancer$PickSubchannelArgs;"
                        + "[Lio/grpc/ClientStreamTracer;Ljava/lang/String;Ljava/lang/String;)V")
                        .exitOnReturn(Hooks.grpcCallWorkHandedOver()).build(),
                Hooks.lastGrpcCallWork("createRealStream", "(Lio/grpc/internal/ClientTransport;Ljava/lang/String;)"),
                MethodHook.on("cancel", "(Lio/grpc/Status;)V").exitAlways(Hooks.grpcCallWorkDropped()).build());
        plan.add("io/grpc/internal/DelayedClientCall",
                Hooks.lastGrpcCallWork("internalStart", "(Lio/grpc/ClientCall$Listener;)V"));
    }
}
