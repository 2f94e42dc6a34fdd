package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Apache HttpClient 5's classic client: each hop's request, the chain's own mutable copy, is given
 * the merged {@code baggage} header for the target host of its route ({@code scope.route.getTargetHost()},
 * which a proxy does not change). The hook sits below {@code RedirectExec}, which builds every redirect's
 * request from the application's original one, so a header set here never follows a redirect to another
 * host. The core never links to the library: its public interfaces are found through the loader of the
 * objects given, and the handles kept per runtime class.
 */
final class ApacheHttpClientBaggage {

    private static final ClassValue<RequestHandles> REQUESTS = new ClassValue<>() {
        @Override
        protected RequestHandles computeValue(Class<?> type) {
            try {
                return new RequestHandles(type.getClassLoader());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private static final ClassValue<MethodHandle> TARGET_HOSTS = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> scopeClass) {
            try {
                return targetHostName(scopeClass);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private ApacheHttpClientBaggage() {
    }

    /** {@code request} (a {@code ClassicHttpRequest}) is about to go to the target of {@code scope} (an {@code ExecChain.Scope}). */
    static void sending(Object request, Object scope) throws Throwable {
        String host = (String) TARGET_HOSTS.get(scope.getClass()).invokeExact(scope);
        if (!BaggageRules.sendsTo(host)) {
            return;
        }
        RequestHandles h = REQUESTS.get(request.getClass());
        Object[] lines = (Object[]) h.headers.invokeExact(request, "baggage");
        String existing = null;
        for (Object line : lines) {
            String value = (String) h.value.invokeExact(line);
            existing = existing == null ? value : existing + "," + value;
        }
        String header = BaggageRules.outgoing(host, existing);
        if (header == null || header.equals(existing)) {
            return;
        }
        h.removeHeaders.invokeExact(request, "baggage");
        h.addHeader.invokeExact(request, "baggage", (Object) header);
    }

    /** {@code scope.route.getTargetHost().getHostName()}, typed {@code (Object)String}. */
    private static MethodHandle targetHostName(Class<?> scopeClass) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        ClassLoader loader = scopeClass.getClassLoader();
        Class<?> routeClass = Class.forName("org.apache.hc.client5.http.HttpRoute", false, loader);
        Class<?> hostClass = Class.forName("org.apache.hc.core5.http.HttpHost", false, loader);
        MethodHandle route = lookup.findGetter(scopeClass, "route", routeClass);
        MethodHandle target = lookup.findVirtual(routeClass, "getTargetHost", MethodType.methodType(hostClass));
        MethodHandle name = lookup.findVirtual(hostClass, "getHostName", MethodType.methodType(String.class));
        return MethodHandles.filterReturnValue(MethodHandles.filterReturnValue(route, target), name)
                .asType(MethodType.methodType(String.class, Object.class));
    }

    /** The header methods of {@code org.apache.hc.core5.http.HttpMessage}, typed with {@code Object}. */
    private static final class RequestHandles {
        final MethodHandle headers;
        final MethodHandle value;
        final MethodHandle removeHeaders;
        final MethodHandle addHeader;

        RequestHandles(ClassLoader loader) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> messageClass = Class.forName("org.apache.hc.core5.http.HttpMessage", false, loader);
            Class<?> headerClass = Class.forName("org.apache.hc.core5.http.Header", false, loader);
            Class<?> pairClass = Class.forName("org.apache.hc.core5.http.NameValuePair", false, loader);
            headers = lookup.findVirtual(messageClass, "getHeaders",
                            MethodType.methodType(headerClass.arrayType(), String.class))
                    .asType(MethodType.methodType(Object[].class, Object.class, String.class));
            value = lookup.findVirtual(pairClass, "getValue", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            removeHeaders = lookup.findVirtual(messageClass, "removeHeaders",
                            MethodType.methodType(boolean.class, String.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class));
            addHeader = lookup.findVirtual(messageClass, "addHeader",
                            MethodType.methodType(void.class, String.class, Object.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class, Object.class));
        }
    }
}
