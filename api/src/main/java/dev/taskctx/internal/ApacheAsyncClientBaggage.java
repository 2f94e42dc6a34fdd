package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Apache HttpClient 5's async client (what {@code HttpAsyncClients} and {@code H2AsyncClientBuilder}
 * build): every hop of an execution, the first and each redirect, retry or authentication round,
 * passes {@code AsyncProtocolExec.execute(request, entityProducer, scope, chain, callback)}, but only
 * the first on the thread that called {@code execute}; the others run on an I/O reactor or the
 * client's scheduler thread, whose context belongs to no request. So the calling code's
 * {@code baggage.out} entries are taken as {@code InternalAbstractHttpAsyncClient.doExecute} begins
 * ({@link #executes}), handed by the first hop, which {@code doExecute} runs before it returns, to its
 * execution ({@link #sending}), and found there by each later hop. An execution is known by its
 * scopes' {@code exchangeId}, which a redirect to another host copies into its new scope; never by
 * the {@code HttpClientContext}, which an application may reuse for several executions at once.
 * The request a hop is given is the chain's own copy (5.5: {@code doExecute} copies the application's
 * request, {@code AsyncHttpRequestRetryExec} copies each try's, {@code AsyncRedirectExec} builds each
 * redirect from its scope's original request, never from a hop): it gets the merged header for its
 * scope's target host, so a redirect to a host not listed gets nothing.
 */
final class ApacheAsyncClientBaggage {

    /**
     * The entries of each execution, by its exchange id held weakly: they live as long as a scope of
     * the execution does. Exchange ids are strings, and every copy of the library counts its own from
     * {@code ex-0000000001}: an entry answers only to the very string it was made for.
     */
    private static final Map<String, Carried> BY_EXCHANGE = Collections.synchronizedMap(new WeakHashMap<>());

    private static final ClassValue<ScopeHandles> SCOPES = LibraryHandles.perClass(ScopeHandles::new);

    private ApacheAsyncClientBaggage() {
    }

    /** The calling code enters {@code doExecute}: returns what {@link #executed} puts back (an outer execute's entries). */
    static Object executes() {
        ThreadState state = ThreadState.current();
        Map<String, Object> outer = state.executingBaggage;
        state.executingBaggage = BaggageRules.outboundEntries();
        return outer;
    }

    /** {@code doExecute} returns or throws: {@code outer} is what {@link #executes} returned. */
    @SuppressWarnings("unchecked")
    static void executed(Object outer) {
        ThreadState.current().executingBaggage = (Map<String, Object>) outer;
    }

    /** {@code request} (an {@code HttpRequest}) is one hop about to go to the target of {@code scope} (an {@code AsyncExecChain.Scope}). */
    static void sending(Object request, Object scope) throws Throwable {
        ScopeHandles h = SCOPES.get(scope.getClass());
        String exchange = (String) h.exchangeId.invokeExact(scope);
        if (exchange == null) {
            return;
        }
        ThreadState state = ThreadState.current();
        Map<String, Object> entries = state.executingBaggage;
        if (entries != null) {
            // The first hop, on the calling thread: from here on the execution carries the entries.
            state.executingBaggage = null;
            BY_EXCHANGE.put(exchange, new Carried(exchange, entries));
        } else {
            Carried carried = BY_EXCHANGE.get(exchange);
            entries = carried == null ? null : carried.entriesOf(exchange);
        }
        if (entries == null) {
            return;
        }
        String host = (String) ApacheHttpClientBaggage.TARGET_HOSTS.get(scope.getClass()).invokeExact(scope);
        // A hop that is the application's own request (no version copies it so far) is left as it is.
        if (BaggageRules.sendsTo(host) && request != (Object) h.originalRequest.invokeExact(scope)) {
            ApacheHttpClientBaggage.merge(ApacheHttpClientBaggage.FIVE.get(request.getClass()), request, host, entries);
        }
    }

    /** One execution's entries, and its exchange id, held weakly. */
    private static final class Carried {
        private final WeakReference<String> exchange;
        private final Map<String, Object> entries;

        Carried(String exchange, Map<String, Object> entries) {
            this.exchange = new WeakReference<>(exchange);
            this.entries = entries;
        }

        /** The entries, if they were made for this very {@code exchange}; else null. */
        Map<String, Object> entriesOf(String exchange) {
            return this.exchange.get() == exchange ? entries : null;
        }
    }

    /** The public fields {@code exchangeId} and {@code originalRequest} of {@code AsyncExecChain.Scope}, typed with {@code Object}. */
    private static final class ScopeHandles {
        final MethodHandle exchangeId;
        final MethodHandle originalRequest;

        ScopeHandles(Class<?> scopeClass) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> requestClass = Class.forName("org.apache.hc.core5.http.HttpRequest", false, scopeClass.getClassLoader());
            exchangeId = lookup.findGetter(scopeClass, "exchangeId", String.class)
                    .asType(MethodType.methodType(String.class, Object.class));
            originalRequest = lookup.findGetter(scopeClass, "originalRequest", requestClass)
                    .asType(MethodType.methodType(Object.class, Object.class));
        }
    }
}
