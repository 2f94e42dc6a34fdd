package dev.taskctx.servers;

import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import io.undertow.util.Headers;
import io.vertx.core.Vertx;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Inbound W3C baggage on Jetty 12, Undertow (its core and its servlet container), Vert.x and Reactor Netty, in the JVMs started with
 * {@code -javaagent:taskctx.jar=baggage.in=rid;user}: a request's allowed {@code baggage} entries are
 * in its context (decoded), and in what it hands off; other keys never are; the next request on the
 * same keep-alive connection, without the header, starts empty.
 */
@Tag("baggage")
class ServerBaggageTest {

    private final BaggageProbe probe = new BaggageProbe();
    private Server jetty;
    private Undertow undertow;
    private Vertx vertx;
    private ReactorNettyServer reactorNetty;

    @AfterEach
    void stop() throws Exception {
        probe.close();
        if (jetty != null) {
            jetty.stop();
        }
        if (undertow != null) {
            undertow.stop();
        }
        if (reactorNetty != null) {
            reactorNetty.stop();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void jettyRequestStartsWithItsAllowedBaggage() throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, probe.seen(), callback);
                return true;
            }
        });
        jetty.start();
        BaggageProbe.assertBaggageArrives(connector.getLocalPort());
    }

    @Test
    void undertowRequestStartsWithItsAllowedBaggage() throws Exception {
        undertow = Undertow.builder().setIoThreads(1).setWorkerThreads(2).addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                    exchange.getResponseSender().send(probe.seen());
                }).build();
        undertow.start();
        BaggageProbe.assertBaggageArrives(((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort());
    }

    /** A servlet of Undertow's servlet container, which runs it on a worker the request was dispatched to. */
    @Test
    void undertowServletRequestStartsWithItsAllowedBaggage() throws Exception {
        HttpServlet servlet = new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain;charset=UTF-8");
                response.getWriter().print(probe.seen());
            }
        };
        DeploymentManager deployment = Servlets.defaultContainer().addDeployment(Servlets.deployment()
                .setClassLoader(ServerBaggageTest.class.getClassLoader())
                .setContextPath("/")
                .setDeploymentName("baggage")
                .addServlet(Servlets.servlet("probe", HttpServlet.class, new ImmediateInstanceFactory<>(servlet))
                        .addMapping("/*")));
        deployment.deploy();
        undertow = Undertow.builder().setIoThreads(1).setWorkerThreads(2).addHttpListener(0, "127.0.0.1")
                .setHandler(deployment.start()).build();
        undertow.start();
        try {
            BaggageProbe.assertBaggageArrives(((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort());
        } finally {
            deployment.stop();
            deployment.undeploy();
        }
    }

    @Test
    void vertxRequestStartsWithItsAllowedBaggage() throws Exception {
        vertx = Vertx.vertx();
        int port = vertx.createHttpServer()
                .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain").end(probe.seen()))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
        BaggageProbe.assertBaggageArrives(port);
    }

    /** Reactor Netty (so WebFlux on it, and any server on Netty's HTTP codec): the decoded request's dispatch. */
    @Test
    void reactorNettyRequestStartsWithItsAllowedBaggage() throws Exception {
        reactorNetty = new ReactorNettyServer("baggage-it",
                http -> http.handle((request, response) -> response.sendString(Mono.fromSupplier(probe::seen))));
        BaggageProbe.assertBaggageArrives(reactorNetty.port());
    }

}
