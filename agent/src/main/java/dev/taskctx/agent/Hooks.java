package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Call;

/** The calls into {@code dev.taskctx.internal.AgentHooks} that the families' hooks make. */
final class Hooks {

    private static final String OBJECT = "Ljava/lang/Object;";
    private static final String RUNNABLE = "Ljava/lang/Runnable;";
    private static final String SNAPSHOT = "Ldev/taskctx/Snapshot;";
    private static final String THROWABLE = "Ljava/lang/Throwable;";
    private static final String CALLABLE = "Ljava/util/concurrent/Callable;";
    private static final String COMPLETION_HANDLER = "Ljava/nio/channels/CompletionHandler;";

    private Hooks() {
    }

    static Call poolExecute(Arg task) {
        return new Call("poolExecute", "(" + RUNNABLE + ")" + RUNNABLE, task);
    }

    static Call executorExecute(Arg task) {
        return new Call("executorExecute", "(" + RUNNABLE + ")" + RUNNABLE, task);
    }

    static Call scheduleCallable(Arg task) {
        return new Call("scheduleCallable", "(" + CALLABLE + ")" + CALLABLE, task);
    }

    static Call listenerAdded(Arg listener) {
        return new Call("listenerAdded", "(" + RUNNABLE + ")" + RUNNABLE, listener);
    }

    static Call channelOperation(Arg handler) {
        return new Call("channelOperation", "(" + COMPLETION_HANDLER + ")" + COMPLETION_HANDLER, handler);
    }

    static Call coroutineCreated(Arg coroutineContext) {
        return new Call("coroutineCreated", "(" + OBJECT + ")V", coroutineContext);
    }

    static Call coroutineCompleted(Arg coroutineContext) {
        return new Call("coroutineCompleted", "(" + OBJECT + ")V", coroutineContext);
    }

    static Call coroutineResumes(Arg coroutineContext) {
        return new Call("coroutineResumes", "(" + OBJECT + ")V", coroutineContext);
    }

    static Call coroutineSuspends(Arg coroutineContext) {
        return new Call("coroutineSuspends", "(" + OBJECT + ")V", coroutineContext);
    }

    static Call forkJoinPush(Arg task) {
        return new Call("forkJoinPush", "(" + OBJECT + ")V", task);
    }

    static Call scheduledExecute(Arg task) {
        return new Call("scheduledExecute", "(" + OBJECT + ")V", task);
    }

    static Call timerSchedule(Arg task, Arg period) {
        return new Call("timerSchedule", "(" + OBJECT + "J)V", task, period);
    }

    static Call handOffDone(Arg task) {
        return new Call("handOffDone", "(" + OBJECT + THROWABLE + ")V", task, Arg.THROWN);
    }

    static Call rejectionHandling(Arg task) {
        return new Call("rejectionHandling", "(" + OBJECT + ")" + OBJECT, task);
    }

    static Call rejectionHandled() {
        return new Call("rejectionHandled", "(" + OBJECT + ")V", Arg.KEPT);
    }

    static Call enterPoolInternals() {
        return new Call("enterPoolInternals", "()V");
    }

    static Call exitPoolInternals() {
        return new Call("exitPoolInternals", "()V");
    }

    static Call rootTaskBegins() {
        return new Call("rootTaskBegins", "()V");
    }

    static Call rootTaskEnds() {
        return new Call("rootTaskEnds", "()V");
    }

    static Call beginForkJoinTask() {
        return new Call("beginForkJoinTask", "(" + OBJECT + ")" + SNAPSHOT, Arg.THIS);
    }

    static Call completionRegistered(Arg completion) {
        return new Call("completionRegistered", "(" + OBJECT + ")V", completion);
    }

    static Call beginCompletion() {
        return new Call("beginCompletion", "(" + OBJECT + "I)" + SNAPSHOT, Arg.THIS, Arg.parameter(0));
    }

    static Call promiseListenerAdded() {
        return new Call("promiseListenerAdded", "(" + OBJECT + ")V", Arg.THIS);
    }

    static Call terminationFutureCreated(Arg promise) {
        return new Call("terminationFutureCreated", "(" + OBJECT + ")V", promise);
    }

    static Call beginPromiseNotification() {
        return new Call("beginPromiseNotification", "(" + OBJECT + ")" + SNAPSHOT, Arg.THIS);
    }

    /**
     * The method is where a server runs one inbound request, I/O event or callback inline on its own
     * thread: it runs as a task of its own, starting empty, and the thread's context is put back when
     * it returns or throws.
     */
    static MethodHook inboundDispatch(String method, String descriptor) {
        return inboundDispatch(MethodHook.on(method, descriptor));
    }

    /**
     * {@link #inboundDispatch(String, String)} on a decoder's static loop over what one decode produced
     * ({@code messages}): an HTTP request among them brings in its allowed baggage.
     */
    static MethodHook decodedDispatch(String method, Arg messages) {
        return MethodHook.on(method, null).includingStatic()
                .enter(new Call("beginDecodedDispatch", "(" + OBJECT + ")" + SNAPSHOT, messages), MethodHook.Result.KEEP)
                .exitAlways(endTask())
                .build();
    }

    private static MethodHook inboundDispatch(MethodHook.Builder hook) {
        return hook.enter(new Call("beginInboundDispatch", "()" + SNAPSHOT), MethodHook.Result.KEEP)
                .exitAlways(endTask())
                .build();
    }

    /**
     * The method hands one Kafka record ({@code record}, a {@code ConsumerRecord}) to its listener on the
     * consumer thread: as {@link #inboundDispatch(String, String)}, with the record's allowed baggage.
     */
    static MethodHook recordDispatch(String method, String descriptor, Arg record) {
        return MethodHook.on(method, descriptor)
                .enter(new Call("beginKafkaRecordDispatch", "(" + OBJECT + ")" + SNAPSHOT, record), MethodHook.Result.KEEP)
                .exitAlways(endTask())
                .build();
    }

    static Call endTask() {
        return new Call("endTask", "(" + SNAPSHOT + ")V", Arg.KEPT);
    }

    static Call scheduledForkJoinTaskCreated(Arg nextDelay) {
        return new Call("scheduledForkJoinTaskCreated", "(" + OBJECT + "J)V", Arg.THIS, nextDelay);
    }

    /** JDK 17: {@code inheritsThreadLocals} is a {@code boolean}. */
    static Call threadConstructed(Arg task, Arg inheritsThreadLocals) {
        return new Call("threadConstructed", "(Ljava/lang/Thread;" + RUNNABLE + "Z)V", Arg.THIS, task,
                inheritsThreadLocals);
    }

    /** JDK 21+: {@code characteristics} is the {@code int} of the thread's constructor. */
    static Call threadConstructedWithCharacteristics(Arg task, Arg characteristics) {
        return new Call("threadConstructed", "(Ljava/lang/Thread;" + RUNNABLE + "I)V", Arg.THIS, task,
                characteristics);
    }

    static Call threadEnded() {
        return new Call("threadEnded", "(Ljava/lang/Thread;)V", Arg.THIS);
    }

    static Call threadReferencesCleared() {
        return new Call("threadReferencesCleared", "(Ljava/lang/Thread;)V", Arg.THIS);
    }

    static Call threadStarted() {
        return new Call("threadStarted", "(Ljava/lang/Thread;)V", Arg.THIS);
    }

    static Call micrometerRegistryChanged() {
        return new Call("micrometerRegistryChanged", "(Ljava/lang/Class;" + OBJECT + ")V", Arg.OWN_CLASS, Arg.THIS);
    }

    static Call mdcInUse() {
        return new Call("mdcInUse", "(Ljava/lang/Class;)V", Arg.OWN_CLASS);
    }

    /**
     * A server's start-up (or its construction): the threads it starts, the tasks it schedules (idle
     * timers, selector loops, background processors) belong to the server, not to the code that started
     * it, which may be a request; so they capture nothing, as an executor's own machinery does. The same
     * calls as {@link #poolInternals}; static methods (a factory) too.
     */
    static MethodHook serverStartUp(String method, String descriptor) {
        return MethodHook.on(method, descriptor).includingStatic()
                .enter(enterPoolInternals()).exitAlways(exitPoolInternals()).build();
    }

    /** A pool's own work that may start a worker thread from inside a task: not a hand-off of the task's context. */
    static MethodHook poolInternals(String method, String descriptor) {
        return MethodHook.on(method, descriptor).enter(enterPoolInternals()).exitAlways(exitPoolInternals()).build();
    }

    static Call lambdaClassFile(Arg classFile, Arg hostClass, Arg implemented) {
        return new Call("lambdaClassFile", "([BLjava/lang/Class;Ljava/lang/Class;)[B", classFile, hostClass, implemented);
    }

    /** Returns the request {@code client} sends in place of {@code request}: with the {@code baggage} header where its host may have one. */
    static Call httpClientSends(Arg request, Arg client) {
        return new Call("httpClientSends", "(" + OBJECT + OBJECT + ")" + OBJECT, request, client);
    }

    /** {@code copy} (an {@code HttpRequestImpl}) is the JDK {@code HttpClient}'s copy of {@code request}. */
    static Call httpClientCopies(Arg copy, Arg request) {
        return new Call("httpClientCopies", "(" + OBJECT + OBJECT + ")V", copy, request);
    }

    /** {@code next} (an {@code HttpRequestImpl}) is the JDK {@code HttpClient}'s redirect of {@code previous}. */
    static Call httpClientRedirects(Arg next, Arg previous) {
        return new Call("httpClientRedirects", "(" + OBJECT + OBJECT + ")V", next, previous);
    }

    static Call reactorClientSubscribed(Arg handler) {
        return new Call("reactorClientSubscribed", "(" + OBJECT + ")V", handler);
    }

    static Call reactorClientHopStarts(Arg handler, Arg hop) {
        return new Call("reactorClientHopStarts", "(" + OBJECT + OBJECT + ")V", handler, hop);
    }

    static Call reactorClientSends(Arg hop) {
        return new Call("reactorClientSends", "(" + OBJECT + ")V", hop);
    }

    /** {@code request} (an {@code okhttp3.Request}) is one hop of an OkHttp call about to be written; returns the request to write. */
    static Call okHttpWrites(Arg request) {
        return new Call("okHttpWrites", "(" + OBJECT + ")" + OBJECT, request);
    }

    /** A gRPC call on {@code channel} with {@code callOptions} opens its stream with {@code headers}. */
    static Call grpcStreamStarts(Arg channel, Arg callOptions, Arg headers) {
        return new Call("grpcStreamStarts", "(" + OBJECT + OBJECT + OBJECT + ")V", channel, callOptions, headers);
    }

    /** {@code task} (a {@code Runnable}) is queued for a library's own machinery: returns it bound to the empty context. */
    static Call machineryTask(Arg task) {
        return new Call("machineryTask", "(Ljava/lang/Runnable;)Ljava/lang/Runnable;", task);
    }

    /** {@code this} holds work of a gRPC call that runs later, on another thread, with the context of now. */
    static Call grpcCallWorkHandedOver() {
        return grpcCallWorkHandedOver(Arg.THIS);
    }

    /** {@code holder} holds work of a gRPC call that runs later, on another thread, with the context of now. */
    static Call grpcCallWorkHandedOver(Arg holder) {
        return new Call("grpcCallWorkHandedOver", "(" + OBJECT + ")V", holder);
    }

    /**
     * A gRPC call ({@code call}) whose start has to wait built {@code listener}, which holds the callbacks that
     * arrive before the application's listener takes over: both run later with the context of now.
     */
    static Call grpcDelayedCallWaits(Arg call, Arg listener) {
        return new Call("grpcDelayedCallWaits", "(" + OBJECT + OBJECT + ")V", call, listener);
    }

    /** The work {@code this} held for a gRPC call will never run (the call was cancelled first): its binding goes. */
    static Call grpcCallWorkDropped() {
        return new Call("grpcCallWorkDone", "(" + OBJECT + ")V", Arg.THIS);
    }

    /** The method runs work {@code this} holds for a gRPC call, with the context bound by {@link #grpcCallWorkHandedOver}. */
    static MethodHook grpcCallWork(String method, String descriptor) {
        return grpcCallWorkBegins(method, descriptor).exitAlways(endTask()).build();
    }

    /**
     * As {@link #grpcCallWork}, for the last work {@code this} holds (a client call's close, a delayed call's
     * start): the binding goes when the method ends, so that a context that reaches the call itself does not
     * keep it, and itself, reachable for ever.
     */
    static MethodHook lastGrpcCallWork(String method, String descriptor) {
        return grpcCallWorkBegins(method, descriptor)
                .exitAlways(new Call("endGrpcCallWork", "(" + SNAPSHOT + OBJECT + ")V", Arg.KEPT, Arg.THIS))
                .build();
    }

    /** The method begins with the context bound to {@code this} by {@link #grpcCallWorkHandedOver}, kept for the exit. */
    private static MethodHook.Builder grpcCallWorkBegins(String method, String descriptor) {
        return MethodHook.on(method, descriptor)
                .enter(new Call("beginGrpcCallWork", "(" + OBJECT + ")" + SNAPSHOT, Arg.THIS), MethodHook.Result.KEEP);
    }

    /** gRPC's server dispatches a new call with its {@code headers} (a {@code Metadata}): a task of its own. */
    static MethodHook grpcServerCall(String method, String descriptor, Arg headers) {
        return MethodHook.on(method, descriptor)
                .enter(new Call("beginGrpcServerCall", "(" + OBJECT + ")" + SNAPSHOT, headers), MethodHook.Result.KEEP)
                .exitAlways(endTask())
                .build();
    }

    /** {@code record} (a {@code ProducerRecord}) is being sent by a {@code KafkaProducer}; returns the record to send. */
    static Call kafkaProducerSends(Arg record) {
        return new Call("kafkaProducerSends", "(" + OBJECT + ")" + OBJECT, record);
    }

    /** {@code request} (a {@code ClassicHttpRequest}) is one hop of Apache HttpClient 5 to the target of {@code scope}'s route. */
    static Call apacheClientSends(Arg request, Arg scope) {
        return new Call("apacheClientSends", "(" + OBJECT + OBJECT + ")V", request, scope);
    }

    /** The application calls {@code execute} on Apache HttpClient 5's async client; returns what {@link #apacheAsyncClientExecuted} is given. */
    static Call apacheAsyncClientExecutes() {
        return new Call("apacheAsyncClientExecutes", "()" + OBJECT);
    }

    static Call apacheAsyncClientExecuted() {
        return new Call("apacheAsyncClientExecuted", "(" + OBJECT + ")V", Arg.KEPT);
    }

    /** {@code request} (an {@code HttpRequest}) is one hop of Apache HttpClient 5's async client to the target of {@code scope}'s route. */
    static Call apacheAsyncClientSends(Arg request, Arg scope) {
        return new Call("apacheAsyncClientSends", "(" + OBJECT + OBJECT + ")V", request, scope);
    }

    /** {@code request} (an {@code HttpRequestWrapper}) is one hop of Apache HttpClient 4.5 to the target of {@code route}. */
    static Call apacheClient4Sends(Arg request, Arg route) {
        return new Call("apacheClient4Sends", "(" + OBJECT + OBJECT + ")V", request, route);
    }

    /** {@code headers} (a map of names to value lists) are an inbound request's, read inside its dispatch. */
    static Call inboundHeaders(Arg headers) {
        return new Call("inboundHeaders", "(" + OBJECT + ")V", headers);
    }

    /** {@code coyoteRequest} (Tomcat's {@code org.apache.coyote.Request}) was parsed inside its dispatch. */
    static Call tomcatRequestParsed(Arg coyoteRequest) {
        return new Call("tomcatRequestParsed", "(" + OBJECT + ")V", coyoteRequest);
    }

    static Call jettyRequestStarts(Arg request) {
        return new Call("jettyRequestStarts", "(" + OBJECT + ")V", request);
    }

    static Call undertowRequestStarts(Arg exchange) {
        return new Call("undertowRequestStarts", "(" + OBJECT + ")V", exchange);
    }

    static Call vertxRequestBegins() {
        return new Call("vertxRequestBegins", "(" + OBJECT + ")V", Arg.THIS);
    }

    static Call helidonRequestMade(Arg headers) {
        return new Call("helidonRequestMade", "(" + OBJECT + ")V", headers);
    }

    /** {@code connection} (the JDK's {@code HttpURLConnection}) writes one hop's {@code requests}; {@code userHeaders} are the application's. */
    static Call urlConnectionWrites(Arg connection, Arg requests, Arg userHeaders) {
        return new Call("urlConnectionWrites", "(" + OBJECT + OBJECT + OBJECT + ")V", connection, requests, userHeaders);
    }
}
