package dev.taskctx.internal;

import dev.taskctx.TaskContext;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which context values cross a process boundary as W3C {@code baggage} (agent options
 * {@code baggage.in}, {@code baggage.out}, {@code baggage.hosts}), and the two directions: an inbound
 * request's allowed entries put into its context, an outgoing request's header made from the calling
 * code's context. All lists are empty until the agent configures them, and then nothing crosses.
 * Thread-safe: the rules are one immutable value, replaced whole.
 */
public final class BaggageRules {

    private static volatile BaggageRules current = new BaggageRules(List.of(), List.of(), Set.of());

    private final List<String> inbound;
    private final List<String> outbound;
    private final Set<String> hosts;

    private BaggageRules(List<String> inbound, List<String> outbound, Set<String> hosts) {
        this.inbound = inbound;
        this.outbound = outbound;
        this.hosts = hosts;
    }

    /**
     * Called by the agent at start-up: the keys applied from inbound requests, the keys sent, and the
     * hosts (lower case) that may receive them; nothing is sent unless both of the last two are given.
     */
    public static void configure(List<String> inbound, List<String> outbound, Set<String> hosts) {
        current = new BaggageRules(List.copyOf(inbound), List.copyOf(outbound), Set.copyOf(hosts));
    }

    /**
     * An inbound request's header lines: the entries of {@code baggage} values with keys in
     * {@code baggage.in} are set in the current context, which the server's dispatch made empty.
     * {@code headers} is any map of names to value lists (the JDK server's {@code Headers}); names
     * are compared ignoring case, and several {@code baggage} lines read as one list.
     */
    static void applyInbound(Map<?, ?> headers) {
        Collection<String> allowed = current.inbound;
        if (allowed.isEmpty() || headers == null) {
            return;
        }
        StringBuilder joined = null;
        for (Map.Entry<?, ?> header : headers.entrySet()) {
            if (!(header.getKey() instanceof String) || !((String) header.getKey()).equalsIgnoreCase("baggage")
                    || !(header.getValue() instanceof List)) {
                continue;
            }
            for (Object line : (List<?>) header.getValue()) {
                if (line instanceof String) {
                    joined = joined == null ? new StringBuilder() : joined.append(',');
                    joined.append((String) line);
                    if (joined.length() > Baggage.MAX_LENGTH) {
                        break;
                    }
                }
            }
        }
        applyInbound(joined == null ? null : joined.toString());
    }

    /** An inbound request's {@code baggage} value (or null): its allowed entries are set in the current context. */
    static void applyInbound(String header) {
        if (header == null) {
            return;
        }
        for (Map.Entry<String, String> entry : Baggage.parse(header, current.inbound).entrySet()) {
            TaskContext.set(entry.getKey(), entry.getValue());
        }
    }

    /**
     * The {@code baggage} value an outgoing request to {@code host} carries: {@code existing} (the
     * application's own, or null) merged with the current context's {@code baggage.out} keys, or
     * null for no header. To a host not in {@code baggage.hosts}, {@code existing} goes unchanged.
     */
    static String outgoing(String host, String existing) {
        BaggageRules rules = current;
        if (rules.outbound.isEmpty() || host == null || !rules.hosts.contains(host.toLowerCase(Locale.ROOT))) {
            return existing;
        }
        Map<String, Object> context = Propagation.current().asMap();
        if (context.isEmpty()) {
            return existing;
        }
        return Baggage.emit(context, rules.outbound, existing);
    }

    /** Whether a request to {@code host} may get a header at all: cheap, before any request is rebuilt. */
    static boolean sendsTo(String host) {
        BaggageRules rules = current;
        return !rules.outbound.isEmpty() && host != null && rules.hosts.contains(host.toLowerCase(Locale.ROOT));
    }
}
