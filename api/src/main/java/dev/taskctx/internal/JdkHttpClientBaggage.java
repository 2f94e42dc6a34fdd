package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

/**
 * The JDK's {@code java.net.http.HttpClient}: a request is immutable, so one that should carry
 * baggage is rebuilt with {@code HttpRequest.newBuilder(request, filter)} (Java 16+), which keeps its
 * method, body, timeout, version and other headers, and given the one merged {@code baggage} header.
 * The JDK copies a request's headers to whatever host a redirect names
 * ({@code HttpRequestImpl.newInstanceForRedirection}): for a client that follows redirects the
 * application's own lines and the merged header are remembered beside the rebuilt request, the JDK's
 * copy of it and each redirect: a redirect to a host not listed gets the application's lines back in
 * place of the merged header, and a later one to a listed host the merged header again
 * ({@link #redirected}), through a setter for the
 * final field {@code HttpRequestImpl.userHeaders} that the agent makes with that package opened to
 * its own module alone. Without the setter such a client sends no baggage.
 * {@code java.net.http} is defined to the platform class loader, which the core on the bootstrap class
 * path cannot see: its methods are reached through handles resolved once on the request's own class.
 */
public final class JdkHttpClientBaggage {

    private static final BiPredicate<String, String> ALL_HEADERS = new BiPredicate<>() {
        @Override
        public boolean test(String name, String value) {
            return true;
        }
    };

    /** Every header but the application's {@code baggage} lines, which the merged one replaces. */
    private static final BiPredicate<String, String> OTHER_HEADERS = new BiPredicate<>() {
        @Override
        public boolean test(String name, String value) {
            return !name.equalsIgnoreCase("baggage");
        }
    };

    private static volatile Handles handles;

    /** {@code HttpRequestImpl.userHeaders}'s setter, typed {@code (Object, Object)void}, or null: then a following client sends none. */
    private static volatile MethodHandle userHeadersSetter;

    /**
     * The application's own {@code baggage} lines and the merged header of each rebuilt request a client
     * that follows redirects sends, of the JDK's copy of it ({@link #copied}) and of each of its redirects.
     * Keyed by the request object's identity, held weakly: an entry lives as long as its request, and never
     * answers for another request equal to it.
     */
    private static final Map<IdentityKey, Lines> OWN_LINES = new ConcurrentHashMap<>();

    /** A request's own {@code baggage} lines (maybe none), and the one merged line a listed host gets in their place. */
    private static final class Lines {
        final List<String> own;
        final List<String> merged;

        Lines(List<String> own, String merged) {
            this.own = own;
            this.merged = List.of(merged);
        }
    }
    private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

    private JdkHttpClientBaggage() {
    }

    /**
     * {@code sent} (an {@code HttpRequest}) as {@code client} (an {@code HttpClient}) should send it: a
     * copy with the merged {@code baggage} header where its host may receive one and the client never
     * follows redirects, else {@code sent} itself.
     */
    static Object outgoing(Object sent, Object client) throws Throwable {
        if (sent.getClass().getName().equals("jdk.internal.net.http.HttpRequestImpl")) {
            // The JDK's own request (a WebSocket's opening handshake): its system headers would not survive a copy.
            return sent;
        }
        if (!OWN_LINES.isEmpty()) {
            expunge();
        }
        Handles h = handlesFor(sent, client);
        String host = ((URI) h.uri.invokeExact(sent)).getHost();
        if (!BaggageRules.sendsTo(host)) {
            return sent;
        }
        boolean follows = !((Enum<?>) h.followRedirects.invokeExact(client)).name().equals("NEVER");
        if (follows && userHeadersSetter == null) {
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
        Object rebuilt = h.build.invokeExact(h.header.invokeExact(builder, "baggage", header));
        if (follows) {
            remember(rebuilt, new Lines(List.copyOf(lines), header));
        }
        return rebuilt;
    }

    /**
     * Called by the agent at start-up with the setter of {@code HttpRequestImpl.userHeaders}, typed
     * {@code (Object, Object)void}: clients that follow redirects then send baggage too.
     */
    public static void redirectsWith(MethodHandle setter) {
        userHeadersSetter = setter;
    }

    /** {@code copy} (an {@code HttpRequestImpl}) is the JDK's copy of {@code request}, the one its exchange sends. */
    static void copied(Object copy, Object request) {
        Lines lines = remembered(request);
        if (lines != null) {
            remember(copy, lines);
        }
    }

    /**
     * {@code next} (an {@code HttpRequestImpl}) is the JDK's redirect of {@code previous}, whose headers
     * it copied: where {@code previous} was rebuilt with the merged header (or is a redirect of one),
     * {@code next} gets the merged header if its host is listed, else the application's own lines.
     */
    @SuppressWarnings("unchecked")
    static void redirected(Object next, Object previous) throws Throwable {
        Lines lines = remembered(previous);
        MethodHandle setter = userHeadersSetter;
        if (lines == null || setter == null) {
            return;
        }
        remember(next, lines);
        Handles h = handles;
        List<String> wanted = BaggageRules.sendsTo(((URI) h.uri.invokeExact(next)).getHost()) ? lines.merged : lines.own;
        Map<String, List<String>> kept = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        kept.putAll((Map<String, List<String>>) h.map.invokeExact(h.headers.invokeExact(next)));
        if (wanted.equals(kept.getOrDefault("baggage", List.of()))) {
            return;
        }
        kept.remove("baggage");
        if (!wanted.isEmpty()) {
            kept.put("baggage", wanted);
        }
        setter.invokeExact(next, h.headersOf.invokeExact((Map<String, List<String>>) kept, ALL_HEADERS));
    }

    /** Callers have just dropped the entries of collected requests ({@link #outgoing}, {@link #remembered}). */
    private static void remember(Object request, Lines lines) {
        OWN_LINES.put(new IdentityKey(request, COLLECTED), lines);
    }

    private static Lines remembered(Object request) {
        if (OWN_LINES.isEmpty()) {
            return null;
        }
        expunge();
        return OWN_LINES.get(new IdentityKey(request, null));
    }

    /** Drops the entries of collected requests, whose values would otherwise wait for the next redirect. */
    private static void expunge() {
        for (Reference<?> collected; (collected = COLLECTED.poll()) != null; ) {
            OWN_LINES.remove(collected);
        }
    }

    /** A weak key equal only to a key of the very same object (or to itself once that is collected). */
    private static final class IdentityKey extends WeakReference<Object> {
        private final int hash;

        IdentityKey(Object request, ReferenceQueue<Object> queue) {
            super(request, queue);
            hash = System.identityHashCode(request);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            Object mine = get();
            return mine != null && other instanceof IdentityKey && ((IdentityKey) other).get() == mine;
        }
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
        final MethodHandle map;
        final MethodHandle headersOf;

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
            map = lookup.findVirtual(headersClass, "map", MethodType.methodType(Map.class))
                    .asType(MethodType.methodType(Map.class, Object.class));
            headersOf = lookup.findStatic(headersClass, "of", MethodType.methodType(headersClass, Map.class, BiPredicate.class))
                    .asType(MethodType.methodType(Object.class, Map.class, BiPredicate.class));
        }
    }
}
