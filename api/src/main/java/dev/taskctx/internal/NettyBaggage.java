package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Inbound requests of Netty-based HTTP servers (plain Netty, Reactor Netty, Spring WebFlux): a decoded
 * {@code io.netty.handler.codec.http.HttpRequest} among the messages one decode produced brings the
 * allowed entries of its {@code baggage} lines ({@code headers().getAll("baggage")}, names compared
 * ignoring case by Netty) into the dispatch that hands it on. The core never links to Netty: the two
 * public methods are found on the request's public interface and kept per request class.
 */
final class NettyBaggage {

    private static final String HTTP_REQUEST = "io.netty.handler.codec.http.HttpRequest";

    /** Per message class: the handles for an HTTP request, or {@link #NOT_A_REQUEST}. */
    private static final ClassValue<Object> HANDLES = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            Class<?> api = ServerBaggage.implemented(type, HTTP_REQUEST);
            if (api == null) {
                return NOT_A_REQUEST;
            }
            try {
                return new Handles(api.getMethod("headers"));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return NOT_A_REQUEST;
            }
        }
    };

    private static final Object NOT_A_REQUEST = new Object();

    private NettyBaggage() {
    }

    /** Sets the allowed baggage entries of the first HTTP request in {@code messages} (a {@code List}). */
    static void applyInbound(Object messages) throws Throwable {
        if (!(messages instanceof List)) {
            return;
        }
        List<?> list = (List<?>) messages;
        for (int i = 0, n = list.size(); i < n; i++) {
            Object message = list.get(i);
            Object handles = message == null ? NOT_A_REQUEST : HANDLES.get(message.getClass());
            if (handles != NOT_A_REQUEST) {
                Handles h = (Handles) handles;
                Object lines = h.values.invokeExact(h.headers.invokeExact(message), "baggage");
                if (lines instanceof Iterable) {
                    BaggageRules.applyInbound(((Iterable<?>) lines).iterator());
                }
                return;
            }
        }
    }

    private static final class Handles {
        final MethodHandle headers;
        final MethodHandle values;

        Handles(Method headersMethod) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            headers = lookup.unreflect(headersMethod).asType(MethodType.methodType(Object.class, Object.class));
            values = lookup.unreflect(headersMethod.getReturnType().getMethod("getAll", String.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class));
        }
    }
}
