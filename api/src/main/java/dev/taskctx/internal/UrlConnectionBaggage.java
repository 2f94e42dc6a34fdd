package dev.taskctx.internal;

import java.net.HttpURLConnection;

/**
 * The JDK's {@code HttpURLConnection}: the merged {@code baggage} header is set as a request property
 * as the connection is first used, before it is connected (once it is, setting one throws, and the
 * hook's caller ignores that). A connection that follows redirects (the
 * default) gets none: it would send its request properties, the header among them, to whatever host a
 * redirect names, past the host list.
 */
final class UrlConnectionBaggage {

    private UrlConnectionBaggage() {
    }

    /** {@code connection} is about to be used, on the thread of the code that uses it. */
    static void connecting(HttpURLConnection connection) {
        if (connection.getInstanceFollowRedirects()) {
            return;
        }
        String host = connection.getURL().getHost();
        if (!BaggageRules.sendsTo(host)) {
            return;
        }
        String existing = connection.getRequestProperty("baggage");
        String header = BaggageRules.outgoing(host, existing);
        if (header != null && !header.equals(existing)) {
            connection.setRequestProperty("baggage", header);
        }
    }
}
