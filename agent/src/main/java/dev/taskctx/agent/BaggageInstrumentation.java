package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.internal.BaggageRules;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Context values across processes as the W3C {@code baggage} header (agent options {@code baggage.in},
 * {@code baggage.out}, {@code baggage.hosts}, {@code baggage.topics}; on only when they are given). Outgoing: every request of
 * the JDK's {@code HttpClient} passes {@code HttpClientImpl.sendAsync(request, handler, pushHandler,
 * executor)}, on the calling thread (JDK 17 and 25: {@code send} and both public {@code sendAsync}
 * call it), where it may be replaced by a copy with the header; where the client follows redirects, the
 * redirect {@code HttpRequestImpl}'s redirect constructor makes (a copy of the previous hop's headers)
 * to a host not listed gets the application's own lines back at its exit. The JDK's {@code HttpURLConnection} (and the
 * delegate behind its HTTPS one) writes every hop, the first and each redirect's, in its private
 * {@code writeRequests()}, on the thread using it: there the hop's request lines get the header its
 * host may receive, or the application's own lines back. Apache HttpClient 5's classic client
 * runs every hop, the first and each redirect's, through {@code ProtocolExec.execute(request, scope,
 * chain)} on the calling thread, below {@code RedirectExec}: each hop is checked against the host list
 * on its own, and the header goes on the chain's copy of the request, which a redirect never copies
 * ({@code RedirectExec} builds the next hop from the application's original request); Apache HttpClient
 * 4.5's classic client has the same chain, {@code ProtocolExec.execute(route, request, context, aware)}
 * below its own {@code RedirectExec}, which copies the original's headers. Apache HttpClient 5's async
 * client runs only the first hop on the calling thread, the others (redirects, retries) on I/O or scheduler
 * threads: the calling code's entries are taken as {@code InternalAbstractHttpAsyncClient.doExecute} begins,
 * bound to the execution by its first hop through {@code AsyncProtocolExec.execute}, which every hop passes
 * with the chain's own copy of its request, and merged there for each hop's target host. OkHttp writes
 * every hop's headers through {@code Exchange.writeRequestHeaders(request)} on the thread running the
 * call, where the request is replaced by a copy with the header for the wire only; follow-ups are built
 * from the original. Reactor Netty's client (and Spring's {@code WebClient} on it) takes the entries from
 * the subscribing code as {@code HttpClientConnect$HttpClientHandler} is made, hands them to each hop in
 * {@code requestWithBody} and merges them into the hop's headers as {@code
 * HttpClientOperations.beforeMarkSentHeaders} returns, on the event loop, after the application's redirect
 * consumers ran. gRPC opens every call's stream on a
 * {@code ManagedChannel} through {@code ManagedChannelImpl$ChannelStreamProvider.newStream}, inside
 * {@code ClientCallImpl.start}, where
 * the call's metadata gets the entry for its authority's host (a call waiting for the channel's name
 * resolution is started later by another thread with its caller's context: family {@code grpc}).
 * Kafka's {@code KafkaProducer.send}, with or without a callback, passes the record
 * (after the producer's interceptors) to its private {@code doSend} on the sending thread: at its entry
 * a record to a topic listed is replaced by a copy with the header, so the application's record, which
 * it may send again, is left as it was. Inbound: Spring Kafka's records get theirs in their own dispatch
 * ({@link SpringKafkaInstrumentation}); the JDK's
 * {@code com.sun.net.httpserver} builds each request's {@code ExchangeImpl}, whose constructor has
 * read the request headers, inside {@code ServerImpl$Exchange.run}, the exchange's own task (family
 * {@code httpserver}), before any filter or handler runs. Tomcat's {@code CoyoteAdapter.postParseRequest},
 * which {@code CoyoteAdapter.service} (the request's own task, family {@code tomcat}) calls with the
 * parsed request before the container's pipeline, and never for an asynchronous dispatch. Jetty 12's
 * {@code Server.handle}, which {@code HttpChannelState$HandlerInvoker.run} (the request's own task,
 * family {@code jetty}) calls. Undertow's {@code Connectors.executeRootHandler}, which runs a request's
 * root handler inside the I/O event's task (family {@code undertow}) or, for a dispatched handler,
 * inside a worker's task that already carries the entries. Vert.x's {@code Http1xServerRequest.handleBegin},
 * which its connection calls inside the request's own event or pipelined dispatch (family {@code vertx})
 * before it emits the request to its handler. Helidon's {@code Http1ServerRequest} constructor (its
 * fourth parameter, the request's headers), which runs inside the request's {@code route} (family
 * {@code helidon}) before its routing. gRPC's {@code ServerImpl$ServerTransportListenerImpl
 * .streamCreatedInternal}, the call's own task (family {@code grpc}), reads the call's headers there.
 */
final class BaggageInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "baggage";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        Set<String> hosts = new LinkedHashSet<>();
        for (String host : options.list("baggage.hosts")) {
            hosts.add(host.toLowerCase(Locale.ROOT));
        }
        boolean sends = options.sendsBaggage();
        BaggageRules.configure(new ArrayList<>(options.list("baggage.in")),
                sends ? new ArrayList<>(options.list("baggage.out")) : new ArrayList<>(), hosts,
                new LinkedHashSet<>(options.list("baggage.topics")));
        if (options.sendsKafkaBaggage()) {
            // Both send overloads pass here on the sending thread, after the interceptors; the headers turn
            // read-only further down (setReadOnly), so they take the header here.
            plan.add("org/apache/kafka/clients/producer/KafkaProducer", MethodHook.on("doSend",
                    "(Lorg/apache/kafka/clients/producer/ProducerRecord;Lorg/apache/kafka/clients/producer/Callback;)")
                    .enter(Hooks.kafkaProducerSends(Arg.parameter(0)), MethodHook.Result.REPLACE_PARAMETER).build());
        }
        if (options.sendsHttpBaggage()) {
            plan.add("jdk/internal/net/http/HttpClientImpl", MethodHook.on("sendAsync",
                    "(Ljava/net/http/HttpRequest;Ljava/net/http/HttpResponse$BodyHandler;"
                            + "Ljava/net/http/HttpResponse$PushPromiseHandler;Ljava/util/concurrent/Executor;)")
                    .enter(Hooks.httpClientSends(Arg.parameter(0), Arg.THIS), MethodHook.Result.REPLACE_PARAMETER).build());
            // The redirect constructor (JDK 17); JDK 21+ has it delegate to one taking a header filter, which
            // newInstanceForRedirection calls directly. Where both run, the second finds the work done.
            String redirect = "(Ljava/net/URI;Ljava/lang/String;Ljdk/internal/net/http/HttpRequestImpl;Z";
            plan.add("jdk/internal/net/http/HttpRequestImpl",
                    MethodHook.on("<init>", "(Ljava/net/http/HttpRequest;Ljava/net/ProxySelector;)V")
                            .exitOnReturn(Hooks.httpClientCopies(Arg.THIS, Arg.parameter(0))).build(),
                    MethodHook.on("<init>", redirect + ")")
                            .exitOnReturn(Hooks.httpClientRedirects(Arg.THIS, Arg.parameter(2))).build(),
                    MethodHook.on("<init>", redirect + "Ljava/util/Optional;)")
                            .exitOnReturn(Hooks.httpClientRedirects(Arg.THIS, Arg.parameter(2))).build());
            plan.coreReaders.add("java.net.http");
            String connection = "sun/net/www/protocol/http/HttpURLConnection";
            plan.add(connection, MethodHook.on("writeRequests", "()V")
                    .enter(Hooks.urlConnectionWrites(Arg.THIS,
                            Arg.THIS.readingField(connection, "requests", "Lsun/net/www/MessageHeader;"),
                            Arg.THIS.readingField(connection, "userHeaders", "Lsun/net/www/MessageHeader;")))
                    .build());
            plan.add("org/apache/hc/client5/http/impl/classic/ProtocolExec", MethodHook.on("execute",
                    "(Lorg/apache/hc/core5/http/ClassicHttpRequest;Lorg/apache/hc/client5/http/classic/ExecChain$Scope;"
                            + "Lorg/apache/hc/client5/http/classic/ExecChain;)")
                    .enter(Hooks.apacheClientSends(Arg.parameter(0), Arg.parameter(1))).build());
            // The async client: the caller's entries are taken as doExecute begins on its thread; each hop,
            // redirects and retries on I/O or scheduler threads included, gets them in AsyncProtocolExec.
            plan.add("org/apache/hc/client5/http/impl/async/InternalAbstractHttpAsyncClient", MethodHook.on("doExecute",
                    "(Lorg/apache/hc/core5/http/HttpHost;Lorg/apache/hc/core5/http/nio/AsyncRequestProducer;"
                            + "Lorg/apache/hc/core5/http/nio/AsyncResponseConsumer;Lorg/apache/hc/core5/http/nio/HandlerFactory;"
                            + "Lorg/apache/hc/core5/http/protocol/HttpContext;Lorg/apache/hc/core5/concurrent/FutureCallback;)")
                    .enter(Hooks.apacheAsyncClientExecutes(), MethodHook.Result.KEEP)
                    .exitAlways(Hooks.apacheAsyncClientExecuted()).build());
            plan.add("org/apache/hc/client5/http/impl/async/AsyncProtocolExec", MethodHook.on("execute",
                    "(Lorg/apache/hc/core5/http/HttpRequest;Lorg/apache/hc/core5/http/nio/AsyncEntityProducer;"
                            + "Lorg/apache/hc/client5/http/async/AsyncExecChain$Scope;Lorg/apache/hc/client5/http/async/AsyncExecChain;"
                            + "Lorg/apache/hc/client5/http/async/AsyncExecCallback;)")
                    .enter(Hooks.apacheAsyncClientSends(Arg.parameter(0), Arg.parameter(2))).build());
            plan.add("org/apache/http/impl/execchain/ProtocolExec", MethodHook.on("execute",
                    "(Lorg/apache/http/conn/routing/HttpRoute;Lorg/apache/http/client/methods/HttpRequestWrapper;"
                            + "Lorg/apache/http/client/protocol/HttpClientContext;Lorg/apache/http/client/methods/HttpExecutionAware;)")
                    .enter(Hooks.apacheClient4Sends(Arg.parameter(1), Arg.parameter(0))).build());
            String handler = "reactor/netty/http/client/HttpClientConnect$HttpClientHandler";
            plan.add(handler,
                    MethodHook.on("<init>", "(Lreactor/netty/http/client/HttpClientConfig;)V")
                            .exitOnReturn(Hooks.reactorClientSubscribed(Arg.THIS)).build(),
                    MethodHook.on("requestWithBody", "(Lreactor/netty/http/client/HttpClientOperations;)")
                            .enter(Hooks.reactorClientHopStarts(Arg.THIS, Arg.parameter(0))).build());
            // At its return: after the application's redirect consumers, which may copy the previous hop's headers.
            plan.add("reactor/netty/http/client/HttpClientOperations",
                    MethodHook.on("beforeMarkSentHeaders", "()V").exitOnReturn(Hooks.reactorClientSends(Arg.THIS)).build());
            plan.add("okhttp3/internal/connection/Exchange", MethodHook.on("writeRequestHeaders", "(Lokhttp3/Request;)V")
                    .enter(Hooks.okHttpWrites(Arg.parameter(0)), MethodHook.Result.REPLACE_PARAMETER).build());
            // gRPC: every call of a ManagedChannel opens its stream through the channel's stream provider,
            // inside ClientCallImpl.start, with its caller's context (a delayed start too: family grpc).
            plan.add("io/grpc/internal/ManagedChannelImpl$ChannelStreamProvider", MethodHook.on("newStream",
                    "(Lio/grpc/MethodDescriptor;Lio/grpc/CallOptions;Lio/grpc/Metadata;Lio/grpc/Context;)")
                    .enter(Hooks.grpcStreamStarts(Arg.THIS.readingField("io/grpc/internal/ManagedChannelImpl$ChannelStreamProvider",
                            "this$0", "Lio/grpc/internal/ManagedChannelImpl;"), Arg.parameter(1), Arg.parameter(2)))
                    .build());
        }
        // Each inbound hook runs inside its server's own request dispatch: without it (that server's option
        // off) the entries would land on whatever context the server's thread holds.
        boolean receives = !options.list("baggage.in").isEmpty();
        if (receives && options.on("httpserver")) {
            plan.add("sun/net/httpserver/ExchangeImpl", MethodHook.on("<init>", null)
                    .exitOnReturn(Hooks.inboundHeaders(Arg.THIS.invoking("sun/net/httpserver/ExchangeImpl",
                            "getRequestHeaders", "()Lcom/sun/net/httpserver/Headers;")))
                    .build());
            plan.coreReaders.add("jdk.httpserver");
        }
        if (receives && options.on("tomcat")) {
            plan.add("org/apache/catalina/connector/CoyoteAdapter", MethodHook.on("postParseRequest",
                    "(Lorg/apache/coyote/Request;Lorg/apache/catalina/connector/Request;"
                            + "Lorg/apache/coyote/Response;Lorg/apache/catalina/connector/Response;)")
                    .enter(Hooks.tomcatRequestParsed(Arg.parameter(0))).build());
        }
        if (receives && options.on("jetty")) {
            plan.add("org/eclipse/jetty/server/Server", MethodHook.on("handle",
                    "(Lorg/eclipse/jetty/server/Request;Lorg/eclipse/jetty/server/Response;Lorg/eclipse/jetty/util/Callback;)Z")
                    .enter(Hooks.jettyRequestStarts(Arg.parameter(0))).build());
        }
        if (receives && options.on("undertow")) {
            plan.add("io/undertow/server/Connectors", MethodHook.on("executeRootHandler",
                    "(Lio/undertow/server/HttpHandler;Lio/undertow/server/HttpServerExchange;)V").includingStatic()
                    .enter(Hooks.undertowRequestStarts(Arg.parameter(1))).build());
        }
        if (receives && options.on("vertx")) {
            plan.add("io/vertx/core/http/impl/Http1xServerRequest",
                    MethodHook.on("handleBegin", "(Z)V").enter(Hooks.vertxRequestBegins()).build());
        }
        if (receives && options.on("helidon")) {
            plan.add("io/helidon/webserver/http1/Http1ServerRequest", MethodHook.on("<init>", null)
                    .exitOnReturn(Hooks.helidonRequestMade(Arg.parameter(3))).build());
        }
    }
}
