package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * Jetty's, Undertow's, Vert.x's and Helidon's inbound requests: the {@code baggage} lines of a Jetty 12 core
 * {@code org.eclipse.jetty.server.Request} ({@code getHeaders().getValuesList("baggage")}), of an
 * Undertow {@code HttpServerExchange} ({@code getRequestHeaders().get("baggage")}) and of a Vert.x
 * {@code HttpServerRequest} ({@code headers().getAll("baggage")}), names compared ignoring case by the
 * server; and of a Helidon {@code Headers} (the {@code Header} named {@code baggage}, its {@code allValues()}). The core never links to either: the public methods are found on the
 * request's public interface or class and kept for its runtime class (one class per server, so a
 * second copy in another class loader replaces them).
 */
final class ServerBaggage {

    private static volatile Handles jetty;
    private static volatile Handles undertow;
    private static volatile Handles vertx;
    private static volatile Handles helidon;

    private ServerBaggage() {
    }

    /** Sets the allowed entries of a Jetty request's {@code baggage} header in the current context. */
    static void applyJetty(Object request) throws Throwable {
        Handles h = jetty;
        if (h == null || h.requestClass != request.getClass()) {
            Class<?> api = publicType(request.getClass(), "org.eclipse.jetty.server.Request");
            h = new Handles(request.getClass(), api.getMethod("getHeaders"), "getValuesList");
            jetty = h;
        }
        apply(h, request);
    }

    /** Sets the allowed entries of an Undertow exchange's {@code baggage} header in the current context. */
    static void applyUndertow(Object exchange) throws Throwable {
        Handles h = undertow;
        if (h == null || h.requestClass != exchange.getClass()) {
            h = new Handles(exchange.getClass(), exchange.getClass().getMethod("getRequestHeaders"), "get");
            undertow = h;
        }
        apply(h, exchange);
    }

    /** Sets the allowed entries of a Vert.x request's {@code baggage} header in the current context. */
    static void applyVertx(Object request) throws Throwable {
        Handles h = vertx;
        if (h == null || h.requestClass != request.getClass()) {
            Class<?> api = publicType(request.getClass(), "io.vertx.core.http.HttpServerRequest");
            h = new Handles(request.getClass(), api.getMethod("headers"), "getAll");
            vertx = h;
        }
        apply(h, request);
    }

    /**
     * Sets the allowed entries of a Helidon request's {@code baggage} header (its {@code io.helidon.http.Headers},
     * an {@code Iterable} of {@code Header}s, each with its {@code name()} and {@code allValues()}) in the
     * current context.
     */
    static void applyHelidon(Object headers) throws Throwable {
        if (!(headers instanceof Iterable)) {
            return;
        }
        for (Object header : (Iterable<?>) headers) {
            Handles h = helidon;
            if (h == null || h.requestClass != header.getClass()) {
                Class<?> api = publicType(header.getClass(), "io.helidon.http.Header");
                h = new Handles(header.getClass(), api.getMethod("name"), api.getMethod("allValues"));
                helidon = h;
            }
            if ("baggage".equalsIgnoreCase((String) (Object) h.headers.invokeExact(header))) {
                Object lines = h.values.invokeExact(header);
                if (lines instanceof Iterable) {
                    BaggageRules.applyInbound(((Iterable<?>) lines).iterator());
                }
                return;
            }
        }
    }

    private static void apply(Handles h, Object request) throws Throwable {
        // Jetty's and Vert.x's List of lines, Undertow's HeaderValues (a Deque of lines), or null: no header.
        Object lines = h.values.invokeExact(h.headers.invokeExact(request), "baggage");
        if (lines instanceof Iterable) {
            BaggageRules.applyInbound(((Iterable<?>) lines).iterator());
        }
    }

    /** The public interface named {@code name} that {@code type} implements, directly or through its super types. */
    private static Class<?> publicType(Class<?> type, String name) {
        Class<?> found = implemented(type, name);
        if (found == null) {
            throw new IllegalArgumentException(type + " does not implement " + name);
        }
        return found;
    }

    /** The interface named {@code name} that {@code type} or a super type implements, or null. */
    static Class<?> implemented(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Class<?> found = publicInterface(c, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Class<?> publicInterface(Class<?> type, String name) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (implemented.getName().equals(name)) {
                return implemented;
            }
            Class<?> found = publicInterface(implemented, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static final class Handles {
        final Class<?> requestClass;
        final MethodHandle headers;
        final MethodHandle values;

        /** For a header: its name and its values, both without arguments. */
        Handles(Class<?> headerClass, Method name, Method values) throws ReflectiveOperationException {
            this.requestClass = headerClass;
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            headers = lookup.unreflect(name).asType(MethodType.methodType(Object.class, Object.class));
            this.values = lookup.unreflect(values).asType(MethodType.methodType(Object.class, Object.class));
        }

        Handles(Class<?> requestClass, Method getHeaders, String valuesMethod) throws ReflectiveOperationException {
            this.requestClass = requestClass;
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            headers = lookup.unreflect(getHeaders).asType(MethodType.methodType(Object.class, Object.class));
            values = lookup.unreflect(getHeaders.getReturnType().getMethod(valuesMethod, String.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class));
        }
    }
}
