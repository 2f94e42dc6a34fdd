package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Reactor Netty's {@code HttpClient} (and Spring's {@code WebClient} on it): a request is made on an
 * event loop, long after the code that subscribed to it ran, on whatever thread the connection pool
 * picks. So the entries {@code baggage.out} lists are taken from the subscribing code's context when
 * the subscription creates its {@code HttpClientConnect$HttpClientHandler} ({@link #subscribed}), handed
 * to each hop's {@code HttpClientOperations} as the handler starts that hop ({@link #hopStarts}: the first
 * request and every redirect), and merged into the hop's headers, with every header the application
 * set, just before they are sent ({@link #sending}), for the hop's own host. A redirect to a host not
 * listed gets nothing: each hop's headers are made anew, and where the application's redirect consumer
 * copies the previous hop's headers, the merged line it copied is put back to the application's own.
 * The core never links to Reactor Netty: the
 * public {@code HttpClientRequest} and Netty's {@code HttpHeaders} are found through the loader of the
 * request's class. Both maps hold their keys weakly: an entry lives as long as its request.
 */
final class ReactorNettyClientBaggage {

    private static final Map<Object, Exchange> BY_HANDLER = Collections.synchronizedMap(new WeakHashMap<>());
    private static final Map<Object, Exchange> BY_HOP = Collections.synchronizedMap(new WeakHashMap<>());

    /** One subscription's entries, and the line its last hop sent in place of the application's own. */
    private static final class Exchange {
        final Map<String, Object> entries;
        /** Hops are sent one after the other, maybe from different event loops. */
        volatile String merged;
        volatile String own;

        Exchange(Map<String, Object> entries) {
            this.entries = entries;
        }
    }

    private static final ClassValue<Handles> HANDLES = LibraryHandles.perClass(type -> new Handles(type.getClassLoader()));

    private ReactorNettyClientBaggage() {
    }

    /** {@code handler} was made for a subscription, on the subscribing code's thread. */
    static void subscribed(Object handler) {
        Map<String, Object> entries = BaggageRules.outboundEntries();
        if (entries != null) {
            BY_HANDLER.put(handler, new Exchange(entries));
        }
    }

    /** {@code handler} starts a hop, {@code hop} (an {@code HttpClientOperations}). */
    static void hopStarts(Object handler, Object hop) {
        Exchange exchange = BY_HANDLER.get(handler);
        if (exchange != null) {
            BY_HOP.put(hop, exchange);
        }
    }

    /** {@code hop} (an {@code HttpClientOperations}) is about to send its headers. */
    static void sending(Object hop) throws Throwable {
        Exchange exchange = BY_HOP.remove(hop);
        if (exchange == null) {
            return;
        }
        Handles h = HANDLES.get(hop.getClass());
        Object headers = h.requestHeaders.invokeExact(hop);
        @SuppressWarnings("unchecked")
        List<String> lines = (List<String>) h.getAll.invokeExact(headers, "baggage");
        String existing = lines.isEmpty() ? null : String.join(",", lines);
        String own = ownLine(lines, existing, exchange);
        String host = URI.create((String) h.resourceUrl.invokeExact(hop)).getHost();
        String header = BaggageRules.sendsTo(host) ? BaggageRules.outgoing(host, own, exchange.entries) : null;
        String sent = header != null ? header : own;
        if (sent == null) {
            if (existing != null) {
                h.remove.invokeExact(headers, "baggage");
            }
        } else if (!sent.equals(existing)) {
            h.set.invokeExact(headers, "baggage", (Object) sent);
        }
        exchange.merged = header;
        exchange.own = own;
    }

    /**
     * The application's own {@code baggage} value among a hop's {@code lines} ({@code existing}, joined): a redirect consumer that copies
     * the previous hop's headers, by setting or by adding them, copies the line merged there, which stands
     * for the application's own line of that hop.
     */
    private static String ownLine(List<String> lines, String existing, Exchange exchange) {
        String merged = exchange.merged;
        if (merged == null || !lines.contains(merged)) {
            return existing;
        }
        List<String> others = new ArrayList<>(lines);
        others.removeIf(merged::equals);
        if (others.isEmpty()) {
            return exchange.own;
        }
        return String.join(",", others);
    }

    /** {@code HttpClientRequest.resourceUrl()}, {@code requestHeaders()} and Netty's {@code HttpHeaders.getAll}, {@code set}, {@code remove}. */
    private static final class Handles {
        final MethodHandle resourceUrl;
        final MethodHandle requestHeaders;
        final MethodHandle getAll;
        final MethodHandle set;
        final MethodHandle remove;

        Handles(ClassLoader loader) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> requestClass = Class.forName("reactor.netty.http.client.HttpClientRequest", false, loader);
            Class<?> headersClass = Class.forName("io.netty.handler.codec.http.HttpHeaders", false, loader);
            resourceUrl = lookup.findVirtual(requestClass, "resourceUrl", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            requestHeaders = lookup.findVirtual(requestClass, "requestHeaders", MethodType.methodType(headersClass))
                    .asType(MethodType.methodType(Object.class, Object.class));
            getAll = lookup.findVirtual(headersClass, "getAll", MethodType.methodType(List.class, String.class))
                    .asType(MethodType.methodType(List.class, Object.class, String.class));
            set = lookup.findVirtual(headersClass, "set", MethodType.methodType(headersClass, String.class, Object.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class, Object.class));
            remove = lookup.findVirtual(headersClass, "remove", MethodType.methodType(headersClass, String.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class));
        }
    }
}
