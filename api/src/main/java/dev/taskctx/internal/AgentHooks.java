package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.nio.channels.CompletionHandler;
import java.util.Map;
import java.util.TimerTask;
import java.util.concurrent.Callable;

/**
 * The only methods the agent's woven code calls. Each delegates to {@link Propagation} and never
 * throws into the instrumented method: whatever goes wrong inside one (even an
 * {@code OutOfMemoryError} or a {@code StackOverflowError}) leaves the hand-off as if taskctx were
 * absent. The two {@code run*} methods are the exception: they run the application's task, whose own
 * exceptions must reach its pool unchanged.
 *
 * <p>Internal: public only because JDK classes call it from their own packages.
 */
public final class AgentHooks {

    private AgentHooks() {
    }

    /** {@code ThreadPoolExecutor.execute} begins: the task to queue (usually {@code task} itself). */
    public static Runnable poolExecute(Runnable task) {
        try {
            return HandOffs.handOffToPool(task);
        } catch (Throwable ignored) {
            return task;
        }
    }

    /** Any other {@code Executor.execute} begins: the task to hand on (wrapped when there is a context). */
    public static Runnable executorExecute(Runnable task) {
        try {
            return HandOffs.wrapForHandOff(task);
        } catch (Throwable ignored) {
            return task;
        }
    }

    /** {@code schedule(Callable, long, TimeUnit)} of a {@code ScheduledExecutorService} begins: the task to schedule. */
    public static Callable<?> scheduleCallable(Callable<?> task) {
        try {
            return HandOffs.wrapScheduled(task);
        } catch (Throwable ignored) {
            return task;
        }
    }

    /** A task is queued for a library's own machinery (gRPC's {@code SynchronizationContext}): the task to queue. */
    public static Runnable machineryTask(Runnable task) {
        try {
            return HandOffs.wrapForMachinery(task);
        } catch (Throwable ignored) {
            return task;
        }
    }

    /** A listener is added to a future (Guava's {@code AbstractFuture.addListener}): the listener to add. */
    public static Runnable listenerAdded(Runnable listener) {
        try {
            return HandOffs.wrapListener(listener);
        } catch (Throwable ignored) {
            return listener;
        }
    }

    /** An asynchronous channel operation starts with {@code handler}: the handler to complete it with. */
    public static CompletionHandler<?, ?> channelOperation(CompletionHandler<?, ?> handler) {
        try {
            return HandOffs.wrapCompletionHandler(handler);
        } catch (Throwable ignored) {
            return handler;
        }
    }

    /** A kotlinx {@code AbstractCoroutine} was constructed; its {@code CoroutineContext}. */
    public static void coroutineCreated(Object coroutineContext) {
        try {
            Coroutines.created(coroutineContext);
        } catch (Throwable ignored) {
            // the coroutine runs with whatever the resuming thread has
        }
    }

    /** A kotlinx {@code AbstractCoroutine} completed ({@code onCompletionInternal}); its {@code CoroutineContext}. */
    public static void coroutineCompleted(Object coroutineContext) {
        try {
            Coroutines.completed(coroutineContext);
        } catch (Throwable ignored) {
            // the binding goes when the context is collected
        }
    }

    /** kotlinx's {@code updateThreadContext}, or a scope's undispatched start, begins. */
    public static void coroutineResumes(Object coroutineContext) {
        try {
            Coroutines.resumes(coroutineContext);
        } catch (Throwable ignored) {
            // the coroutine runs with the resuming thread's context
        }
    }

    /** kotlinx's {@code restoreThreadContext} begins, or a scope's undispatched start returns. */
    public static void coroutineSuspends(Object coroutineContext) {
        try {
            Coroutines.suspends(coroutineContext);
        } catch (Throwable ignored) {
            // the thread keeps the coroutine's context until its next task
        }
    }

    /** A task is pushed to a fork/join queue. */
    public static void forkJoinPush(Object task) {
        try {
            HandOffs.handOff(task, false);
        } catch (Throwable ignored) {
            // the task runs without the submitter's context
        }
    }

    /** A task is queued by a {@code ScheduledThreadPoolExecutor}. */
    public static void scheduledExecute(Object task) {
        try {
            HandOffs.handOffScheduled(task);
        } catch (Throwable ignored) {
            // the task runs without the submitter's context
        }
    }

    /** {@code Timer.sched(task, time, period)} begins. */
    public static void timerSchedule(Object task, long period) {
        try {
            HandOffs.handOff(task, period != 0L);
        } catch (Throwable ignored) {
            // the task runs without the submitter's context
        }
    }

    /** Any hand-off above has returned or thrown. */
    public static void handOffDone(Object task, Throwable thrown) {
        try {
            HandOffs.handOffDone(task, thrown);
        } catch (Throwable ignored) {
            // nothing to undo
        }
    }

    /** {@code ThreadPoolExecutor.reject} begins; returns what {@link #rejectionHandled} needs. */
    public static Object rejectionHandling(Object task) {
        try {
            return HandOffs.rejectionHandling(task);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** {@code ThreadPoolExecutor.reject} has returned or thrown. */
    public static void rejectionHandled(Object suspended) {
        try {
            HandOffs.rejectionHandled(suspended);
        } catch (Throwable ignored) {
            // the submitter keeps what the handler left
        }
    }

    /** A pool creates a worker or re-queues a task from inside a task. */
    public static void enterPoolInternals() {
        try {
            HandOffs.enterPoolInternals();
        } catch (Throwable ignored) {
            // a new worker may inherit the context
        }
    }

    /** Ends what {@link #enterPoolInternals} began. */
    public static void exitPoolInternals() {
        try {
            HandOffs.exitPoolInternals();
        } catch (Throwable ignored) {
            // nothing to undo
        }
    }

    /** {@code ForkJoinTask.invoke}, {@code quietlyInvoke} or {@code invokeAll} begins. */
    public static void rootTaskBegins() {
        try {
            HandOffs.rootTaskBegins();
        } catch (Throwable ignored) {
            // the root task runs with the bound or empty context
        }
    }

    /** Ends what {@link #rootTaskBegins} began. */
    public static void rootTaskEnds() {
        try {
            HandOffs.rootTaskEnds();
        } catch (Throwable ignored) {
            // nothing to undo
        }
    }

    /** {@code ForkJoinTask.doExec} begins; returns what {@link #endTask} puts back. */
    public static Snapshot beginForkJoinTask(Object task) {
        try {
            return TaskRuns.beginForkJoinTask(task);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** A dependent stage is registered on a {@code CompletableFuture}. */
    public static void completionRegistered(Object completion) {
        try {
            HandOffs.completionRegistered(completion);
        } catch (Throwable ignored) {
            // the stage runs with the completing thread's context
        }
    }

    /** {@code Completion.tryFire(mode)} begins; returns what {@link #endTask} puts back. */
    public static Snapshot beginCompletion(Object completion, int mode) {
        try {
            return TaskRuns.beginCompletion(completion, mode);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** A listener is added to a Netty {@code DefaultPromise}. */
    public static void promiseListenerAdded(Object promise) {
        try {
            HandOffs.promiseListenerAdded(promise);
        } catch (Throwable ignored) {
            // the listeners run with the completing thread's context
        }
    }

    /** A Netty executor's termination future was created. */
    public static void terminationFutureCreated(Object promise) {
        try {
            HandOffs.terminationFutureCreated(promise);
        } catch (Throwable ignored) {
            // its listeners run with the context of the code that added them
        }
    }

    /** A Netty {@code DefaultPromise} begins notifying its listeners; returns what {@link #endTask} puts back. */
    public static Snapshot beginPromiseNotification(Object promise) {
        try {
            return TaskRuns.beginPromiseNotification(promise);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** A server dispatches one inbound request or I/O event on its own thread; returns what {@link #endTask} puts back. */
    public static Snapshot beginInboundDispatch() {
        try {
            return TaskRuns.beginInboundDispatch();
        } catch (Throwable ignored) {
            return null;
        }
    }

    /**
     * A Netty decoder hands on what one decode produced ({@code messages}): a dispatch of its own, as
     * {@link #beginInboundDispatch}, with an HTTP request's allowed baggage; returns what {@link #endTask} puts back.
     */
    public static Snapshot beginDecodedDispatch(Object messages) {
        try {
            return TaskRuns.beginDecodedDispatch(messages);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /**
     * Spring Kafka's listener container hands one record to its listener on the consumer thread: a
     * dispatch of its own, as {@link #beginInboundDispatch}, with the record's allowed baggage; returns
     * what {@link #endTask} puts back.
     */
    public static Snapshot beginKafkaRecordDispatch(Object record) {
        try {
            return TaskRuns.beginRecordDispatch(record);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** A task's begin hook ended; {@code previous} is what it returned. */
    public static void endTask(Snapshot previous) {
        try {
            TaskRuns.endTask(previous);
        } catch (Throwable ignored) {
            // the thread keeps the task's context until its next task
        }
    }

    /** JDK 25: a {@code DelayScheduler$ScheduledForkJoinTask} was constructed by the scheduling thread. */
    public static void scheduledForkJoinTaskCreated(Object task, long nextDelay) {
        try {
            HandOffs.bindCurrent(task, nextDelay != 0L);
        } catch (Throwable ignored) {
            // the task runs without the scheduler's context
        }
    }

    /** JDK 17: the {@code Thread} constructor every other one calls returns. */
    public static void threadConstructed(Thread thread, Runnable task, boolean inheritsThreadLocals) {
        try {
            NewThreads.threadConstructed(thread, task, inheritsThreadLocals);
        } catch (Throwable ignored) {
            // the thread starts empty
        }
    }

    /** JDK 21+: the constructor of a platform or virtual thread that receives its task and characteristics returns. */
    public static void threadConstructed(Thread thread, Runnable task, int characteristics) {
        try {
            NewThreads.threadConstructed(thread, task, characteristics);
        } catch (Throwable ignored) {
            // the thread starts empty
        }
    }

    /** A platform thread ends ({@code Thread.exit()}); with option {@code jfr}, also a virtual thread ({@code run(Runnable)} returns). */
    public static void threadEnded(Thread thread) {
        try {
            NewThreads.threadEnded(thread);
        } catch (Throwable ignored) {
            // its inherited snapshot goes when the Thread object is collected
        }
    }

    /** JDK 19+: {@code Thread.clearReferences()} begins (a thread has ended; for a virtual thread, on its carrier). */
    public static void threadReferencesCleared(Thread thread) {
        try {
            NewThreads.referencesCleared(thread);
        } catch (Throwable ignored) {
            // its state goes when the Thread object is collected
        }
    }

    /** A new thread's own code begins. */
    public static void threadStarted(Thread thread) {
        try {
            NewThreads.threadStarted(thread);
        } catch (Throwable ignored) {
            // registered thread-locals are not written on this thread
        }
    }

    /** A value was put into SLF4J's {@code MDC}. */
    public static void mdcInUse(Class<?> mdc) {
        try {
            Propagation.mdcInUse(mdc);
        } catch (Throwable ignored) {
            // MDC values do not travel
        }
    }

    /** An accessor was registered with or removed from a Micrometer {@code ContextRegistry}. */
    public static void micrometerRegistryChanged(Class<?> registryClass, Object registry) {
        try {
            Propagation.micrometerRegistryChanged(registryClass, registry);
        } catch (Throwable ignored) {
            // Micrometer's thread-locals keep their previous carrying
        }
    }

    /** Replaces {@code task.run()} in {@code ThreadPoolExecutor.runWorker}. */
    public static void runTask(Runnable task) {
        TaskRuns.runTask(task);
    }

    /** Replaces {@code task.run()} in {@code TimerThread.mainLoop}. */
    public static void runTimerTask(TimerTask task) {
        TaskRuns.runTask(task);
    }

    /**
     * {@code InnerClassLambdaMetafactory} made the class file of a lambda class of {@code host} that
     * implements the functional interface {@code implemented}: the class file to define (with a binding
     * field where that is a {@code Runnable}, see {@link LambdaClasses}).
     */
    public static byte[] lambdaClassFile(byte[] classFile, Class<?> host, Class<?> implemented) {
        try {
            return LambdaClasses.classFile(classFile, host, implemented);
        } catch (Throwable ignored) {
            // the lambda's bindings wait in the side table
            return classFile;
        }
    }

    /**
     * {@code HttpClientImpl.sendAsync}, where every request of the JDK's {@code HttpClient} passes, is
     * given {@code request} (a {@code java.net.http.HttpRequest}) to send with {@code client}: returns the
     * request to send, with the {@code baggage} header its host may receive ({@link BaggageRules}).
     */
    public static Object httpClientSends(Object request, Object client) {
        try {
            return JdkHttpClientBaggage.outgoing(request, client);
        } catch (Throwable ignored) {
            return request;
        }
    }

    /** The JDK's {@code HttpClient} made {@code copy} (an {@code HttpRequestImpl}) of {@code request} to send it. */
    public static void httpClientCopies(Object copy, Object request) {
        try {
            JdkHttpClientBaggage.copied(copy, request);
        } catch (Throwable ignored) {
            // a redirect of it keeps the header the JDK copies
        }
    }

    /**
     * The JDK's {@code HttpClient} made {@code next} (an {@code HttpRequestImpl}) to follow a redirect of
     * {@code previous}, copying its headers: a {@code baggage} header taskctx merged goes on only to a
     * host that may receive it ({@link BaggageRules}); any other gets the application's own lines back.
     */
    public static void httpClientRedirects(Object next, Object previous) {
        try {
            JdkHttpClientBaggage.redirected(next, previous);
        } catch (Throwable ignored) {
            // the redirect goes as the JDK made it
        }
    }

    /** Reactor Netty's {@code HttpClientHandler} {@code handler} was made for a subscription, on the subscribing code's thread. */
    public static void reactorClientSubscribed(Object handler) {
        try {
            ReactorNettyClientBaggage.subscribed(handler);
        } catch (Throwable ignored) {
            // its requests go without baggage
        }
    }

    /** Reactor Netty's {@code handler} starts one hop, {@code hop} (an {@code HttpClientOperations}). */
    public static void reactorClientHopStarts(Object handler, Object hop) {
        try {
            ReactorNettyClientBaggage.hopStarts(handler, hop);
        } catch (Throwable ignored) {
            // the hop goes without baggage
        }
    }

    /**
     * Reactor Netty's {@code hop} (an {@code HttpClientOperations}) is about to send its headers: they get
     * the {@code baggage} its host may receive from the subscribing code's entries ({@link BaggageRules}).
     */
    public static void reactorClientSends(Object hop) {
        try {
            ReactorNettyClientBaggage.sending(hop);
        } catch (Throwable ignored) {
            // the hop goes without baggage
        }
    }

    /**
     * OkHttp's {@code Exchange.writeRequestHeaders} is about to write {@code request} (an
     * {@code okhttp3.Request}), one hop of a call: returns the request to write, a copy with the
     * {@code baggage} header where its host may receive one ({@link BaggageRules}), else {@code request}.
     */
    public static Object okHttpWrites(Object request) {
        try {
            return OkHttpBaggage.writing(request);
        } catch (Throwable ignored) {
            return request;
        }
    }

    /**
     * gRPC's channel opens a call's stream ({@code ManagedChannelImpl$ChannelStreamProvider.newStream}) on
     * {@code channel} with {@code callOptions} and {@code headers} (an {@code io.grpc.Metadata}): the
     * headers get the {@code baggage} entry the host of the call's authority may receive ({@link BaggageRules}).
     */
    public static void grpcStreamStarts(Object channel, Object callOptions, Object headers) {
        try {
            GrpcBaggage.sending(channel, callOptions, headers);
        } catch (Throwable ignored) {
            // the call goes without baggage
        }
    }

    /** A gRPC call hands work over with {@code holder} (a delayed client call's start, a server call's listener). */
    public static void grpcCallWorkHandedOver(Object holder) {
        try {
            HandOffs.grpcCallWorkHandedOver(holder);
        } catch (Throwable ignored) {
            // the work runs with the empty context
        }
    }

    /** Work a gRPC call handed over with {@code holder} begins; returns what {@link #endTask} puts back. */
    public static Snapshot beginGrpcCallWork(Object holder) {
        try {
            return TaskRuns.beginGrpcCallWork(holder);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** A delayed gRPC {@code call} built {@code listener} to hold early callbacks: both run later with the context of now. */
    public static void grpcDelayedCallWaits(Object call, Object listener) {
        try {
            HandOffs.grpcDelayedCallWaits(call, listener);
        } catch (Throwable ignored) {
            // the work runs with the empty context
        }
    }

    /** The work handed over with {@code holder} will not run: its binding goes. */
    public static void grpcCallWorkDone(Object holder) {
        try {
            HandOffs.grpcCallWorkDone(holder);
        } catch (Throwable ignored) {
            // the binding goes when the holder is collected
        }
    }

    /** The last work a gRPC call handed over with {@code holder} ends: its binding goes, and {@code previous} is put back. */
    public static void endGrpcCallWork(Snapshot previous, Object holder) {
        grpcCallWorkDone(holder);
        endTask(previous);
    }

    /** gRPC's server dispatches a new call with its {@code headers}; returns what {@link #endTask} puts back. */
    public static Snapshot beginGrpcServerCall(Object headers) {
        try {
            return TaskRuns.beginGrpcServerCall(headers);
        } catch (Throwable ignored) {
            return null;
        }
    }

    /**
     * {@code KafkaProducer.doSend} is given {@code record} (a {@code ProducerRecord}, after the
     * producer's interceptors) on the sending thread: returns the record to send, where its topic may
     * carry baggage a copy with the merged {@code baggage} header ({@link BaggageRules}), else {@code record}.
     */
    public static Object kafkaProducerSends(Object record) {
        try {
            return KafkaBaggage.sending(record);
        } catch (Throwable ignored) {
            return record;
        }
    }

    /**
     * Apache HttpClient 5's {@code ProtocolExec.execute}, below its redirect handling, is given
     * {@code request} (a {@code ClassicHttpRequest}, the chain's own copy) for the target of
     * {@code scope}'s ({@code ExecChain.Scope}) route: the request gets the {@code baggage} header that
     * host may receive ({@link BaggageRules}).
     */
    public static void apacheClientSends(Object request, Object scope) {
        try {
            ApacheHttpClientBaggage.sending(request, scope);
        } catch (Throwable ignored) {
            // the request goes without baggage
        }
    }

    /**
     * The application calls {@code execute} on Apache HttpClient 5's async client
     * ({@code InternalAbstractHttpAsyncClient.doExecute} begins, on its thread): its {@code baggage.out}
     * entries wait there for the execution's first hop. Returns what {@link #apacheAsyncClientExecuted} puts back.
     */
    public static Object apacheAsyncClientExecutes() {
        try {
            return ApacheAsyncClientBaggage.executes();
        } catch (Throwable ignored) {
            return null;
        }
    }

    /** {@code doExecute} returns or throws: {@code outer} is what {@link #apacheAsyncClientExecutes} returned. */
    public static void apacheAsyncClientExecuted(Object outer) {
        try {
            ApacheAsyncClientBaggage.executed(outer);
        } catch (Throwable ignored) {
            // the thread's state stays as the execution left it
        }
    }

    /**
     * Apache HttpClient 5's {@code AsyncProtocolExec.execute} is given {@code request} (an
     * {@code HttpRequest}, the chain's own copy), one hop of an execution, for the target of
     * {@code scope}'s ({@code AsyncExecChain.Scope}) route, on the calling thread for the first hop and
     * on an I/O or scheduler thread for the others: the request gets the {@code baggage} header that
     * host may receive from the entries of the code that called {@code execute} ({@link BaggageRules}).
     */
    public static void apacheAsyncClientSends(Object request, Object scope) {
        try {
            ApacheAsyncClientBaggage.sending(request, scope);
        } catch (Throwable ignored) {
            // the request goes without baggage
        }
    }

    /**
     * Apache HttpClient 4.5's {@code ProtocolExec.execute}, below its redirect handling, is given
     * {@code request} (an {@code HttpRequestWrapper}, the chain's own copy) for the target of
     * {@code route} (an {@code HttpRoute}): the request gets the {@code baggage} header that host may
     * receive ({@link BaggageRules}).
     */
    public static void apacheClient4Sends(Object request, Object route) {
        try {
            ApacheHttpClientBaggage.sendingVersion4(request, route);
        } catch (Throwable ignored) {
            // the request goes without baggage
        }
    }

    /**
     * An inbound request's headers (a map of names to value lists) were parsed inside its dispatch:
     * the entries of its {@code baggage} header allowed in are set in its context ({@link BaggageRules}).
     */
    public static void inboundHeaders(Object headers) {
        try {
            if (headers instanceof Map) {
                BaggageRules.applyInbound((Map<?, ?>) headers);
            }
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * Tomcat's {@code CoyoteAdapter.postParseRequest} is given {@code coyoteRequest} (an
     * {@code org.apache.coyote.Request}) inside the request's own task: the entries of its
     * {@code baggage} header allowed in are set in its context ({@link BaggageRules}).
     */
    public static void tomcatRequestParsed(Object coyoteRequest) {
        try {
            ServerBaggage.applyTomcat(coyoteRequest);
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * Jetty's {@code Server.handle} begins a request, inside its own task (family {@code jetty}): the
     * entries of its {@code baggage} header allowed in are set in its context ({@link BaggageRules}).
     */
    public static void jettyRequestStarts(Object request) {
        try {
            ServerBaggage.applyJetty(request);
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * Undertow's {@code Connectors.executeRootHandler} runs a request's handler, inside the I/O event's
     * task or a worker's (family {@code undertow}): the entries of its {@code baggage} header allowed in
     * are set in its context ({@link BaggageRules}).
     */
    public static void undertowRequestStarts(Object exchange) {
        try {
            ServerBaggage.applyUndertow(exchange);
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * A Vert.x HTTP/1 request begins ({@code Http1xServerRequest.handleBegin}, in the connection's event
     * or pipelined dispatch, family {@code vertx}), before its handler is emitted: the entries of its
     * {@code baggage} header allowed in are set in its context ({@link BaggageRules}).
     */
    public static void vertxRequestBegins(Object request) {
        try {
            ServerBaggage.applyVertx(request);
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * A Helidon HTTP/1 request was made ({@code Http1ServerRequest}'s constructor, inside the request's
     * {@code route}, family {@code helidon}) with its {@code headers}: the entries of its {@code baggage}
     * header allowed in are set in its context ({@link BaggageRules}).
     */
    public static void helidonRequestMade(Object headers) {
        try {
            ServerBaggage.applyHelidon(headers);
        } catch (Throwable ignored) {
            // the request runs without its baggage
        }
    }

    /**
     * The JDK's {@code HttpURLConnection} is about to write one hop's request lines, {@code requests}
     * (a {@code MessageHeader}); {@code userHeaders} (one too) are the application's own: the hop
     * carries the {@code baggage} its host may receive ({@link BaggageRules}).
     */
    public static void urlConnectionWrites(Object connection, Object requests, Object userHeaders) {
        try {
            UrlConnectionBaggage.writing((java.net.HttpURLConnection) connection, requests, userHeaders);
        } catch (Throwable ignored) {
            // the hop goes with the application's own lines
        }
    }
}
