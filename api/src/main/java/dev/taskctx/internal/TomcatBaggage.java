package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Enumeration;

/**
 * Tomcat's inbound requests: the {@code baggage} lines of an {@code org.apache.coyote.Request}
 * ({@code getMimeHeaders().values("baggage")}, names compared ignoring case). The core never links
 * to Tomcat: the two public methods are found on the request's runtime class and kept for it (one
 * class per Tomcat, so a second Tomcat in another class loader replaces them).
 */
final class TomcatBaggage {

    private static volatile Handles handles;

    private TomcatBaggage() {
    }

    /** Sets the allowed entries of {@code coyoteRequest}'s {@code baggage} header in the current context. */
    static void applyInbound(Object coyoteRequest) throws Throwable {
        Handles h = handles;
        if (h == null || h.requestClass != coyoteRequest.getClass()) {
            h = new Handles(coyoteRequest.getClass());
            handles = h;
        }
        Enumeration<?> lines = (Enumeration<?>) h.values.invokeExact(h.mimeHeaders.invokeExact(coyoteRequest), "baggage");
        BaggageRules.applyInbound(lines.asIterator());
    }

    private static final class Handles {
        final Class<?> requestClass;
        final MethodHandle mimeHeaders;
        final MethodHandle values;

        Handles(Class<?> requestClass) throws ReflectiveOperationException {
            this.requestClass = requestClass;
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Method getMimeHeaders = requestClass.getMethod("getMimeHeaders");
            mimeHeaders = lookup.unreflect(getMimeHeaders).asType(MethodType.methodType(Object.class, Object.class));
            values = lookup.unreflect(getMimeHeaders.getReturnType().getMethod("values", String.class))
                    .asType(MethodType.methodType(Enumeration.class, Object.class, String.class));
        }
    }
}
