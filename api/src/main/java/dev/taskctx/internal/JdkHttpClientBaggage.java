package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The JDK's {@code java.net.http.HttpClient}: a request is immutable, so one that should carry
 * baggage is rebuilt with {@code HttpRequest.newBuilder(request, filter)} (Java 16+), which keeps its
 * method, body, timeout, version and other headers, and given the one merged {@code baggage} header.
 * A client that follows redirects sends none: the JDK copies a request's headers to whatever host a
 * redirect names ({@code HttpRequestImpl}'s redirection constructor copies the field), past the host list.
 * {@code java.net.http} is defined to the platform class loader, which the core on the bootstrap class
 * path cannot see: its methods are reached through handles resolved once on the request's own class.
 */
final class JdkHttpClientBaggage {

    /** Every header but the application's {@code baggage} lines, which the merged one replaces. */
    private static final BiPredicate<String, String> OTHER_HEADERS = new BiPredicate<>() {
        @Override
        public boolean test(String name, String value) {
            return !name.equalsIgnoreCase("baggage");
        }
    };

    private static volatile Handles handles;

    private JdkHttpClientBaggage() {
    }

    /**
     * {@code sent} (an {@code HttpRequest}) as {@code client} (an {@code HttpClient}) should send it: a
     * copy with the merged {@code baggage} header where its host may receive one and the client never
     * follows redirects, else {@code sent} itself.
     */
    static Object outgoing(Object sent, Object client) throws Throwable {
        Handles h = handlesFor(sent, client);
        String host = ((URI) h.uri.invokeExact(sent)).getHost();
        if (!BaggageRules.sendsTo(host) || !((Enum<?>) h.followRedirects.invokeExact(client)).name().equals("NEVER")) {
            return sent;
        }
        @SuppressWarnings("unchecked")
        List<String> lines = (List<String>) h.allValues.invokeExact(h.headers.invokeExact(sent), "baggage");
        String existing = lines.isEmpty() ? null : String.join(",", lines);
        String header = BaggageRules.outgoing(host, existing);
        if (header == null || header.equals(existing)) {
            return sent;
        }
        Object builder = h.newBuilder.invokeExact(sent, OTHER_HEADERS);
        return h.build.invokeExact(h.header.invokeExact(builder, "baggage", header));
    }

    private static Handles handlesFor(Object request, Object client) throws ReflectiveOperationException {
        Handles h = handles;
        if (h == null || !h.requestClass.isInstance(request) || !h.clientClass.isInstance(client)) {
            h = new Handles(superclassNamed(request, "java.net.http.HttpRequest"),
                    superclassNamed(client, "java.net.http.HttpClient"));
            handles = h;
        }
        return h;
    }

    private static Class<?> superclassNamed(Object instance, String name) {
        Class<?> type = instance.getClass();
        while (!type.getName().equals(name)) {
            type = type.getSuperclass();
        }
        return type;
    }

    /** The methods of {@code java.net.http} used, typed with {@code Object} for the types the core cannot name. */
    private static final class Handles {
        final Class<?> requestClass;
        final Class<?> clientClass;
        final MethodHandle followRedirects;
        final MethodHandle uri;
        final MethodHandle headers;
        final MethodHandle allValues;
        final MethodHandle newBuilder;
        final MethodHandle header;
        final MethodHandle build;

        Handles(Class<?> requestClass, Class<?> clientClass) throws ReflectiveOperationException {
            this.requestClass = requestClass;
            this.clientClass = clientClass;
            ClassLoader loader = requestClass.getClassLoader();
            Class<?> redirectClass = Class.forName("java.net.http.HttpClient$Redirect", false, loader);
            Class<?> headersClass = Class.forName("java.net.http.HttpHeaders", false, loader);
            Class<?> builderClass = Class.forName("java.net.http.HttpRequest$Builder", false, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            followRedirects = lookup.findVirtual(clientClass, "followRedirects", MethodType.methodType(redirectClass))
                    .asType(MethodType.methodType(Enum.class, Object.class));
            uri = lookup.findVirtual(requestClass, "uri", MethodType.methodType(URI.class))
                    .asType(MethodType.methodType(URI.class, Object.class));
            headers = lookup.findVirtual(requestClass, "headers", MethodType.methodType(headersClass))
                    .asType(MethodType.methodType(Object.class, Object.class));
            allValues = lookup.findVirtual(headersClass, "allValues", MethodType.methodType(List.class, String.class))
                    .asType(MethodType.methodType(List.class, Object.class, String.class));
            newBuilder = lookup.findStatic(requestClass, "newBuilder",
                            MethodType.methodType(builderClass, requestClass, BiPredicate.class))
                    .asType(MethodType.methodType(Object.class, Object.class, BiPredicate.class));
            header = lookup.findVirtual(builderClass, "header",
                            MethodType.methodType(builderClass, String.class, String.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class, String.class));
            build = lookup.findVirtual(builderClass, "build", MethodType.methodType(requestClass))
                    .asType(MethodType.methodType(Object.class, Object.class));
        }
    }
}
