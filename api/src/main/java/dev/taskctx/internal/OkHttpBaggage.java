package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * OkHttp (3.14 and later): every hop of a call, the first request and each follow-up
 * {@code RetryAndFollowUpInterceptor} makes, writes its headers through
 * {@code Exchange.writeRequestHeaders(request)} on the thread that runs the call (the caller's for
 * {@code execute}, a dispatcher task that carries the caller's context for {@code enqueue}). There the
 * request to be written is swapped for a copy with the merged {@code baggage} header where that hop's
 * host may receive one. The copy goes to the wire only: the interceptors above keep the original, and
 * a follow-up is built from the response's request, which is the original, so the header never
 * follows a redirect to a host not listed. The core never links to OkHttp: its methods are found
 * through the request's own class loader, once per class.
 */
final class OkHttpBaggage {

    private static final ClassValue<Handles> HANDLES = LibraryHandles.perClass(Handles::new);

    private OkHttpBaggage() {
    }

    /** {@code request} (an {@code okhttp3.Request}) as it should be written: with the merged header, or itself. */
    static Object writing(Object request) throws Throwable {
        Handles h = HANDLES.get(request.getClass());
        String host = (String) h.host.invokeExact(request);
        if (!BaggageRules.sendsTo(host)) {
            return request;
        }
        @SuppressWarnings("unchecked")
        List<String> lines = (List<String>) h.headers.invokeExact(request, "baggage");
        String existing = lines.isEmpty() ? null : String.join(",", lines);
        String header = BaggageRules.outgoing(host, existing);
        if (header == null || header.equals(existing)) {
            return request;
        }
        return h.build.invokeExact(h.header.invokeExact(h.newBuilder.invokeExact(request), "baggage", header));
    }

    /** The methods of {@code okhttp3.Request}, its {@code HttpUrl} and {@code Builder}, typed with {@code Object}. */
    private static final class Handles {
        final MethodHandle host;
        final MethodHandle headers;
        final MethodHandle newBuilder;
        final MethodHandle header;
        final MethodHandle build;

        Handles(Class<?> requestClass) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            ClassLoader loader = requestClass.getClassLoader();
            Class<?> urlClass = Class.forName("okhttp3.HttpUrl", false, loader);
            Class<?> builderClass = Class.forName("okhttp3.Request$Builder", false, loader);
            host = MethodHandles.filterReturnValue(
                            lookup.findVirtual(requestClass, "url", MethodType.methodType(urlClass)),
                            lookup.findVirtual(urlClass, "host", MethodType.methodType(String.class)))
                    .asType(MethodType.methodType(String.class, Object.class));
            headers = lookup.findVirtual(requestClass, "headers", MethodType.methodType(List.class, String.class))
                    .asType(MethodType.methodType(List.class, Object.class, String.class));
            newBuilder = lookup.findVirtual(requestClass, "newBuilder", MethodType.methodType(builderClass))
                    .asType(MethodType.methodType(Object.class, Object.class));
            header = lookup.findVirtual(builderClass, "header",
                            MethodType.methodType(builderClass, String.class, String.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class, String.class));
            build = lookup.findVirtual(builderClass, "build", MethodType.methodType(requestClass))
                    .asType(MethodType.methodType(Object.class, Object.class));
        }
    }
}
