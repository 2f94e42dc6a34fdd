package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * Apache HttpClient's classic clients, 5 and 4.5: each hop's request, the chain's own mutable copy, is
 * given the merged {@code baggage} header for the target host of its route, which a proxy does not
 * change. The hook sits below {@code RedirectExec}, which in both versions builds every redirect's
 * request from the application's original one, so a header set here never follows a redirect to
 * another host. The core never
 * links to the library: its public interfaces are found through the loader of the objects given, and
 * the handles kept per runtime class.
 */
final class ApacheHttpClientBaggage {

    static final ClassValue<RequestHandles> FIVE = handlesPer("org.apache.hc.core5.http.HttpMessage",
            "org.apache.hc.core5.http.Header", "org.apache.hc.core5.http.NameValuePair", boolean.class, Object.class);
    private static final ClassValue<RequestHandles> FOUR = handlesPer("org.apache.http.HttpMessage",
            "org.apache.http.Header", "org.apache.http.Header", void.class, String.class);

    /** Version 5's {@code scope.route.getTargetHost().getHostName()} per scope class (classic and async {@code Scope}), typed {@code (Object)String}. */
    static final ClassValue<MethodHandle> TARGET_HOSTS = LibraryHandles.perClass(ApacheHttpClientBaggage::targetHostName);

    private static final ClassValue<MethodHandle> ROUTE_HOSTS = LibraryHandles.perClass(
            routeClass -> hostName(routeClass, MethodHandles.identity(routeClass), "org.apache.http.HttpHost"));

    private ApacheHttpClientBaggage() {
    }

    /** Version 5: {@code request} (a {@code ClassicHttpRequest}) is about to go to the target of {@code scope} (an {@code ExecChain.Scope}). */
    static void sending(Object request, Object scope) throws Throwable {
        String host = (String) TARGET_HOSTS.get(scope.getClass()).invokeExact(scope);
        if (BaggageRules.sendsTo(host)) {
            merge(FIVE.get(request.getClass()), request, host, Propagation.current().asMap());
        }
    }

    /** Version 4.5: {@code request} (an {@code HttpRequestWrapper}) is about to go to the target of {@code route} (an {@code HttpRoute}). */
    static void sendingVersion4(Object request, Object route) throws Throwable {
        String host = (String) ROUTE_HOSTS.get(route.getClass()).invokeExact(route);
        if (BaggageRules.sendsTo(host)) {
            merge(FOUR.get(request.getClass()), request, host, Propagation.current().asMap());
        }
    }

    /** {@code request}'s {@code baggage} lines become one header, merged with {@code context}'s entries for {@code host}. */
    static void merge(RequestHandles h, Object request, String host, Map<String, Object> context) throws Throwable {
        Object[] lines = (Object[]) h.headers.invokeExact(request, "baggage");
        String existing = null;
        for (Object line : lines) {
            String value = (String) h.value.invokeExact(line);
            existing = existing == null ? value : existing + "," + value;
        }
        String header = BaggageRules.outgoing(host, existing, context);
        if (header == null || header.equals(existing)) {
            return;
        }
        h.removeHeaders.invokeExact(request, "baggage");
        h.addHeader.invokeExact(request, "baggage", header);
    }

    /** Version 5: {@code scope.route.getTargetHost().getHostName()}, typed {@code (Object)String}. */
    private static MethodHandle targetHostName(Class<?> scopeClass) throws ReflectiveOperationException {
        Class<?> routeClass = Class.forName("org.apache.hc.client5.http.HttpRoute", false, scopeClass.getClassLoader());
        return hostName(routeClass, MethodHandles.publicLookup().findGetter(scopeClass, "route", routeClass),
                "org.apache.hc.core5.http.HttpHost");
    }

    /** {@code route.getTargetHost().getHostName()} of the route that {@code toRoute} returns, typed {@code (Object)String}. */
    private static MethodHandle hostName(Class<?> routeClass, MethodHandle toRoute, String hostClassName)
            throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> hostClass = Class.forName(hostClassName, false, routeClass.getClassLoader());
        MethodHandle target = lookup.findVirtual(routeClass, "getTargetHost", MethodType.methodType(hostClass));
        MethodHandle name = lookup.findVirtual(hostClass, "getHostName", MethodType.methodType(String.class));
        return MethodHandles.filterReturnValue(MethodHandles.filterReturnValue(toRoute, target), name)
                .asType(MethodType.methodType(String.class, Object.class));
    }

    /**
     * The handles of one version's header methods, per runtime request class: {@code HttpMessage} named
     * {@code messageName}, whose {@code removeHeaders} returns {@code removeReturns} and whose
     * {@code addHeader(String, value)} takes {@code valueType}; the value of a {@code headerName} line
     * read through {@code valueOwner}.
     */
    private static ClassValue<RequestHandles> handlesPer(String messageName, String headerName, String valueOwner,
            Class<?> removeReturns, Class<?> valueType) {
        return LibraryHandles.perClass(type -> new RequestHandles(type.getClassLoader(), messageName, headerName,
                valueOwner, removeReturns, valueType));
    }

    /** The header methods of an {@code HttpMessage}, typed with {@code Object}. */
    static final class RequestHandles {
        final MethodHandle headers;
        final MethodHandle value;
        final MethodHandle removeHeaders;
        final MethodHandle addHeader;

        RequestHandles(ClassLoader loader, String messageName, String headerName, String valueOwner,
                Class<?> removeReturns, Class<?> valueType) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> messageClass = Class.forName(messageName, false, loader);
            Class<?> headerClass = Class.forName(headerName, false, loader);
            Class<?> valueClass = Class.forName(valueOwner, false, loader);
            headers = lookup.findVirtual(messageClass, "getHeaders",
                            MethodType.methodType(headerClass.arrayType(), String.class))
                    .asType(MethodType.methodType(Object[].class, Object.class, String.class));
            value = lookup.findVirtual(valueClass, "getValue", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            removeHeaders = lookup.findVirtual(messageClass, "removeHeaders",
                            MethodType.methodType(removeReturns, String.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class));
            addHeader = lookup.findVirtual(messageClass, "addHeader",
                            MethodType.methodType(void.class, String.class, valueType))
                    .asType(MethodType.methodType(void.class, Object.class, String.class, String.class));
        }
    }
}
