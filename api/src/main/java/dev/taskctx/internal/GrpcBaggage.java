package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * gRPC (grpc-java) carries baggage as the ASCII metadata entry {@code baggage}. Outgoing: a call's
 * headers are given the merged value where the host of its authority (the call's
 * {@code CallOptions.getAuthority()}, else its channel's {@code authority()}, without the port) may
 * receive it; gRPC owns the {@code Metadata} a call was started with and edits it itself. Incoming: a
 * server call's headers bring in the allowed entries. The core never links to gRPC: the public
 * {@code io.grpc} methods are found through the loader of the objects given, and kept per class.
 */
final class GrpcBaggage {

    private static final ClassValue<MetadataHandles> METADATA = LibraryHandles.perClass(MetadataHandles::new);

    /** Per class of a channel: {@code Channel.authority()} and {@code CallOptions.getAuthority()}, typed with {@code Object}. */
    private static final ClassValue<MethodHandle[]> AUTHORITIES = LibraryHandles.perClass(GrpcBaggage::authorities);

    private GrpcBaggage() {
    }

    /**
     * A call on {@code channel} (an {@code io.grpc.Channel}) with {@code callOptions} opens its stream
     * with {@code headers} (an {@code io.grpc.Metadata}): they get the merged {@code baggage} entry.
     */
    static void sending(Object channel, Object callOptions, Object headers) throws Throwable {
        MethodHandle[] authorities = AUTHORITIES.get(channel.getClass());
        String authority = (String) authorities[1].invokeExact(callOptions);
        if (authority == null) {
            authority = (String) authorities[0].invokeExact(channel);
        }
        String host = host(authority);
        if (!BaggageRules.sendsTo(host)) {
            return;
        }
        MetadataHandles h = METADATA.get(headers.getClass());
        Iterable<?> lines = (Iterable<?>) h.getAll.invokeExact(headers, h.key);
        String existing = null;
        if (lines != null) {
            for (Object line : lines) {
                existing = existing == null ? (String) line : existing + "," + line;
            }
        }
        String header = BaggageRules.outgoing(host, existing);
        if (header == null || header.equals(existing)) {
            return;
        }
        h.removeAll.invokeExact(headers, h.key);
        h.put.invokeExact(headers, h.key, (Object) header);
    }

    /** A server call's {@code headers} (an {@code io.grpc.Metadata}): the allowed entries are set in the current context. */
    static void receiving(Object headers) throws Throwable {
        MetadataHandles h = METADATA.get(headers.getClass());
        Iterable<?> lines = (Iterable<?>) h.getAll.invokeExact(headers, h.key);
        if (lines != null) {
            BaggageRules.applyInbound(lines.iterator());
        }
    }

    /** The host of an authority ({@code [userinfo@]host[:port]}, an IPv6 host in brackets, kept as such), or null. */
    static String host(String authority) {
        if (authority == null) {
            return null;
        }
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** {@code Channel.authority()} and {@code CallOptions.getAuthority()} of the gRPC {@code channelClass} is from. */
    private static MethodHandle[] authorities(Class<?> channelClass) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        ClassLoader loader = channelClass.getClassLoader();
        Class<?> channel = Class.forName("io.grpc.Channel", false, loader);
        Class<?> callOptions = Class.forName("io.grpc.CallOptions", false, loader);
        return new MethodHandle[] {
            lookup.findVirtual(channel, "authority", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class)),
            lookup.findVirtual(callOptions, "getAuthority", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class)),
        };
    }

    /** {@code Metadata.getAll/removeAll/put} with the ASCII key {@code baggage} of that loader's gRPC. */
    private static final class MetadataHandles {
        final Object key;
        final MethodHandle getAll;
        final MethodHandle removeAll;
        final MethodHandle put;

        MetadataHandles(Class<?> metadataClass) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            ClassLoader loader = metadataClass.getClassLoader();
            Class<?> metadata = Class.forName("io.grpc.Metadata", false, loader);
            Class<?> keyClass = Class.forName("io.grpc.Metadata$Key", false, loader);
            Class<?> marshaller = Class.forName("io.grpc.Metadata$AsciiMarshaller", false, loader);
            Object ascii = metadata.getField("ASCII_STRING_MARSHALLER").get(null);
            try {
                key = lookup.findStatic(keyClass, "of", MethodType.methodType(keyClass, String.class, marshaller))
                        .invoke("baggage", ascii);
            } catch (Throwable e) {
                throw new ReflectiveOperationException(e);
            }
            getAll = lookup.findVirtual(metadata, "getAll", MethodType.methodType(Iterable.class, keyClass))
                    .asType(MethodType.methodType(Iterable.class, Object.class, Object.class));
            removeAll = lookup.findVirtual(metadata, "removeAll", MethodType.methodType(Iterable.class, keyClass))
                    .asType(MethodType.methodType(void.class, Object.class, Object.class));
            put = lookup.findVirtual(metadata, "put", MethodType.methodType(void.class, keyClass, Object.class))
                    .asType(MethodType.methodType(void.class, Object.class, Object.class, Object.class));
        }
    }
}
