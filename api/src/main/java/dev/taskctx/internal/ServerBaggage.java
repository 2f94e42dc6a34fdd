package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;

/**
 * Servers' inbound requests: the {@code baggage} lines of each server's request object, names compared
 * ignoring case by the server, with the allowed entries set in the current context (the request's own
 * dispatch, which started empty). Every server but Helidon has the same shape, a getter of the request's
 * headers and a method of those that takes a header name and returns its lines ({@link HeaderReader}):
 * Tomcat's {@code org.apache.coyote.Request} ({@code getMimeHeaders().values}), Jetty 12's
 * {@code Request} ({@code getHeaders().getValuesList}), Undertow's {@code HttpServerExchange}
 * ({@code getRequestHeaders().get}), Vert.x's {@code HttpServerRequest} and Netty's {@code HttpRequest}
 * ({@code headers().getAll}). The core never links to any of them: the public methods are found on the
 * request's public class or interface and kept per runtime class.
 */
final class ServerBaggage {

    private static final HeaderReader TOMCAT = new HeaderReader(null, "getMimeHeaders", "values");
    private static final HeaderReader JETTY = new HeaderReader("org.eclipse.jetty.server.Request", "getHeaders", "getValuesList");
    private static final HeaderReader UNDERTOW = new HeaderReader(null, "getRequestHeaders", "get");
    private static final HeaderReader VERTX = new HeaderReader("io.vertx.core.http.HttpServerRequest", "headers", "getAll");
    private static final HeaderReader NETTY = new HeaderReader("io.netty.handler.codec.http.HttpRequest", "headers", "getAll");

    /** Per class of Helidon's {@code io.helidon.http.Header}: its {@code name()} and {@code allValues()}. */
    private static final ClassValue<MethodHandle[]> HELIDON_HEADERS = new ClassValue<>() {
        @Override
        protected MethodHandle[] computeValue(Class<?> type) {
            try {
                Class<?> api = implemented(type, "io.helidon.http.Header");
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return new MethodHandle[] {
                    lookup.unreflect(api.getMethod("name")).asType(MethodType.methodType(Object.class, Object.class)),
                    lookup.unreflect(api.getMethod("allValues")).asType(MethodType.methodType(Object.class, Object.class)),
                };
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException(type + " is no io.helidon.http.Header", e);
            }
        }
    };

    private ServerBaggage() {
    }

    /** Tomcat's {@code org.apache.coyote.Request}. */
    static void applyTomcat(Object coyoteRequest) throws Throwable {
        TOMCAT.apply(coyoteRequest);
    }

    /** Jetty 12 core's {@code Request}. */
    static void applyJetty(Object request) throws Throwable {
        JETTY.apply(request);
    }

    /** Undertow's {@code HttpServerExchange}. */
    static void applyUndertow(Object exchange) throws Throwable {
        UNDERTOW.apply(exchange);
    }

    /** Vert.x's {@code HttpServerRequest}. */
    static void applyVertx(Object request) throws Throwable {
        VERTX.apply(request);
    }

    /** The first Netty {@code HttpRequest} among {@code messages} (a {@code List}, what one decode produced). */
    static void applyNetty(Object messages) throws Throwable {
        if (!(messages instanceof List)) {
            return;
        }
        List<?> list = (List<?>) messages;
        for (int i = 0, n = list.size(); i < n; i++) {
            Object message = list.get(i);
            if (message != null && NETTY.reads(message.getClass())) {
                NETTY.apply(message);
                return;
            }
        }
    }

    /** Helidon's request {@code Headers}: an {@code Iterable} of {@code Header}s. */
    static void applyHelidon(Object headers) throws Throwable {
        if (!(headers instanceof Iterable)) {
            return;
        }
        for (Object header : (Iterable<?>) headers) {
            MethodHandle[] h = HELIDON_HEADERS.get(header.getClass());
            if ("baggage".equalsIgnoreCase((String) (Object) h[0].invokeExact(header))) {
                apply(h[1].invokeExact(header));
                return;
            }
        }
    }

    /** A server's lines of one header: a {@code List}, a {@code Deque}, an {@code Enumeration}, or null for none. */
    private static void apply(Object lines) {
        Iterator<?> iterator = lines instanceof Iterable ? ((Iterable<?>) lines).iterator()
                : lines instanceof Enumeration ? ((Enumeration<?>) lines).asIterator() : null;
        if (iterator != null) {
            BaggageRules.applyInbound(iterator);
        }
    }

    /** The interface named {@code name} that {@code type} or a super type implements, or null. */
    private static Class<?> implemented(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Class<?> found = interfaceNamed(c, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Class<?> interfaceNamed(Class<?> type, String name) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (implemented.getName().equals(name)) {
                return implemented;
            }
            Class<?> found = interfaceNamed(implemented, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * How one server's request object gives its lines of a header: {@code getter()} returns the headers,
     * whose {@code lines(String)} returns the lines, both found on the public interface named
     * {@code api} (or, where that is null, on the request's own public class) and kept per request class.
     * A class that has not got them (another message type on a Netty pipeline) reads nothing.
     */
    private static final class HeaderReader extends ClassValue<MethodHandle[]> {

        private static final MethodHandle[] NONE = new MethodHandle[0];

        private final String api;
        private final String getter;
        private final String lines;

        HeaderReader(String api, String getter, String lines) {
            this.api = api;
            this.getter = getter;
            this.lines = lines;
        }

        @Override
        protected MethodHandle[] computeValue(Class<?> type) {
            Class<?> owner = api == null ? type : implemented(type, api);
            if (owner == null) {
                return NONE;
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                Method headers = owner.getMethod(getter);
                return new MethodHandle[] {
                    lookup.unreflect(headers).asType(MethodType.methodType(Object.class, Object.class)),
                    lookup.unreflect(headers.getReturnType().getMethod(lines, String.class))
                            .asType(MethodType.methodType(Object.class, Object.class, String.class)),
                };
            } catch (ReflectiveOperationException | RuntimeException e) {
                return NONE;
            }
        }

        boolean reads(Class<?> type) {
            return get(type) != NONE;
        }

        /** Sets the allowed entries of {@code request}'s {@code baggage} lines in the current context. */
        void apply(Object request) throws Throwable {
            MethodHandle[] h = get(request.getClass());
            if (h != NONE) {
                ServerBaggage.apply(h[1].invokeExact(h[0].invokeExact(request), "baggage"));
            }
        }
    }
}
