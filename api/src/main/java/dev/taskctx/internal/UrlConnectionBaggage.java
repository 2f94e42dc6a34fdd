package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.net.HttpURLConnection;
import java.util.Iterator;
import java.util.Objects;

/**
 * The JDK's {@code HttpURLConnection}: every hop, the first request and each redirect it follows,
 * writes its header lines from the connection's {@code requests} ({@code sun.net.www.MessageHeader})
 * in {@code writeRequests()}, on the thread that uses the connection. There, before each hop, the
 * {@code baggage} lines become what that hop's host may receive: the application's own lines (kept in
 * {@code userHeaders}, which the JDK never changes) merged with the context's entries for a listed host,
 * the application's lines alone for any other. A redirect to a host not listed so finds the header it
 * would otherwise inherit put back to the application's. The header methods of {@code MessageHeader},
 * a class in a package {@code java.base} does not export, are handles the agent makes with that package
 * exported to its own module alone and hands over at start-up ({@link #readHeadersWith}).
 */
public final class UrlConnectionBaggage {

    private static volatile HeaderHandles handles;

    private UrlConnectionBaggage() {
    }

    /**
     * Called by the agent at start-up with {@code MessageHeader}'s {@code multiValueIterator(String)},
     * {@code remove(String)} and {@code add(String, String)}, typed with {@code Object} for the header set.
     */
    public static void readHeadersWith(MethodHandle values, MethodHandle remove, MethodHandle add) {
        handles = new HeaderHandles(values, remove, add);
    }

    /** {@code connection} is about to write a hop's {@code requests}; {@code userHeaders} are the application's own. */
    static void writing(HttpURLConnection connection, Object requests, Object userHeaders) throws Throwable {
        HeaderHandles h = handles;
        if (h == null || requests == null || userHeaders == null) {
            return;
        }
        String host = connection.getURL().getHost();
        String own = joined(h, userHeaders);
        String present = joined(h, requests);
        // A POST a redirect turns into a GET gets fresh request lines, without the application's: none come back.
        String base = present == null ? null : own;
        String wanted = BaggageRules.sendsTo(host) ? BaggageRules.outgoing(host, base) : base;
        if (Objects.equals(wanted, present)) {
            return;
        }
        h.remove.invokeExact(requests, "baggage");
        if (wanted == null) {
            return;
        }
        if (wanted.equals(own)) {
            @SuppressWarnings("unchecked")
            Iterator<String> lines = (Iterator<String>) h.values.invokeExact(userHeaders, "baggage");
            while (lines.hasNext()) {
                h.add.invokeExact(requests, "baggage", lines.next());
            }
        } else {
            h.add.invokeExact(requests, "baggage", wanted);
        }
    }

    /** The {@code baggage} lines of {@code headers} joined by {@code ,}, or null for none. */
    private static String joined(HeaderHandles h, Object headers) throws Throwable {
        @SuppressWarnings("unchecked")
        Iterator<String> lines = (Iterator<String>) h.values.invokeExact(headers, "baggage");
        String joined = null;
        while (lines.hasNext()) {
            String line = lines.next();
            joined = joined == null ? line : joined + "," + line;
        }
        return joined;
    }

    private static final class HeaderHandles {
        final MethodHandle values;
        final MethodHandle remove;
        final MethodHandle add;

        HeaderHandles(MethodHandle values, MethodHandle remove, MethodHandle add) {
            this.values = values;
            this.remove = remove;
            this.add = add;
        }
    }
}
