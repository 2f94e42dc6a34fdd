package dev.taskctx.internal;

import dev.taskctx.TaskContext;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which context values cross a process boundary as W3C {@code baggage} (agent options
 * {@code baggage.in}, {@code baggage.out}, {@code baggage.hosts}, {@code baggage.topics}), and the two
 * directions: an inbound request's (or Kafka record's) allowed entries put into its context, an outgoing
 * request's (or record's) header made from the calling code's context. Until the agent configures them all lists are empty, so nothing crosses.
 * Thread-safe: the rules are one immutable value, replaced whole.
 */
public final class BaggageRules {

    private static volatile BaggageRules current = new BaggageRules(List.of(), List.of(), Set.of(), Set.of());

    private final List<String> inbound;
    private final List<String> outbound;
    private final Set<String> hosts;
    private final Set<String> topics;

    private BaggageRules(List<String> inbound, List<String> outbound, Set<String> hosts, Set<String> topics) {
        this.inbound = inbound;
        this.outbound = outbound;
        this.hosts = hosts;
        this.topics = topics;
    }

    /**
     * Called by the agent at start-up: the keys applied from inbound requests and records, the keys sent,
     * the hosts (lower case) that may receive them, and the Kafka topics (exact, as Kafka compares them)
     * whose records may carry them; nothing is sent to a host or topic not listed.
     */
    public static void configure(List<String> inbound, List<String> outbound, Set<String> hosts, Set<String> topics) {
        current = new BaggageRules(List.copyOf(inbound), List.copyOf(outbound), Set.copyOf(hosts), Set.copyOf(topics));
    }

    /** Whether inbound entries are applied at all ({@code baggage.in} is set): one read. */
    static boolean appliesInbound() {
        return !current.inbound.isEmpty();
    }

    /**
     * An inbound request's header lines: the entries of its {@code baggage} values with keys in
     * {@code baggage.in} are set in the current context, which the server's dispatch made empty.
     * {@code headers} is a map of names to value lists (the JDK server's {@code Headers}, which keeps
     * one entry per name whatever its case); the first name equal to {@code baggage} ignoring case is read.
     */
    static void applyInbound(Map<?, ?> headers) {
        if (current.inbound.isEmpty() || headers == null) {
            return;
        }
        for (Map.Entry<?, ?> header : headers.entrySet()) {
            if (header.getKey() instanceof String && ((String) header.getKey()).equalsIgnoreCase("baggage")
                    && header.getValue() instanceof List) {
                applyInbound(((List<?>) header.getValue()).iterator());
                return;
            }
        }
    }

    /**
     * The {@code baggage} lines of an inbound request, read as one list (joined by {@code ,}, no further
     * than the codec reads): the allowed entries are set in the current context.
     */
    static void applyInbound(Iterator<?> lines) {
        StringBuilder joined = null;
        while (lines.hasNext() && (joined == null || joined.length() <= Baggage.MAX_LENGTH)) {
            Object line = lines.next();
            if (line instanceof String) {
                joined = joined == null ? new StringBuilder() : joined.append(',');
                joined.append((String) line);
            }
        }
        if (joined == null) {
            return;
        }
        for (Map.Entry<String, String> entry : Baggage.parse(joined.toString(), current.inbound).entrySet()) {
            TaskContext.set(entry.getKey(), entry.getValue());
        }
    }

    /**
     * The {@code baggage} value an outgoing request to {@code host} carries: {@code existing} (the
     * application's own, or null) merged with the current context's {@code baggage.out} keys, or
     * null for no header. To a host not in {@code baggage.hosts}, {@code existing} goes unchanged.
     */
    static String outgoing(String host, String existing) {
        return outgoing(host, existing, Propagation.current().asMap());
    }

    /** As {@link #outgoing(String, String)}, from {@code context} (entries captured earlier) instead of the current context's. */
    static String outgoing(String host, String existing, Map<String, Object> context) {
        BaggageRules rules = current;
        if (rules.outbound.isEmpty() || host == null || !rules.hosts.contains(host.toLowerCase(Locale.ROOT))) {
            return existing;
        }
        return merged(rules, existing, context);
    }

    /**
     * The {@code baggage} value a Kafka record to {@code topic} carries: as {@link #outgoing}, for the
     * topics in {@code baggage.topics}.
     */
    static String outgoingToTopic(String topic, String existing) {
        BaggageRules rules = current;
        if (rules.outbound.isEmpty() || topic == null || !rules.topics.contains(topic)) {
            return existing;
        }
        return merged(rules, existing, Propagation.current().asMap());
    }

    /** Whether a record to {@code topic} may get a header at all: cheap, before any header is read. */
    static boolean sendsToTopic(String topic) {
        BaggageRules rules = current;
        return !rules.outbound.isEmpty() && topic != null && rules.topics.contains(topic);
    }

    private static String merged(BaggageRules rules, String existing, Map<String, Object> context) {
        if (context.isEmpty()) {
            return existing;
        }
        return Baggage.emit(context, rules.outbound, existing);
    }

    /**
     * The current context's entries whose keys {@code baggage.out} lists, or null for none: what a request
     * made later, on another thread, on this code's behalf may send.
     */
    static Map<String, Object> outboundEntries() {
        List<String> outbound = current.outbound;
        if (outbound.isEmpty()) {
            return null;
        }
        Map<String, Object> context = Propagation.current().asMap();
        Map<String, Object> entries = null;
        for (String key : outbound) {
            Object value = context.get(key);
            if (value != null) {
                entries = entries == null ? new java.util.HashMap<>() : entries;
                entries.put(key, value);
            }
        }
        return entries;
    }

    /** Whether a request to {@code host} may get a header at all: cheap, before any request is rebuilt. */
    static boolean sendsTo(String host) {
        BaggageRules rules = current;
        return !rules.outbound.isEmpty() && host != null && rules.hosts.contains(host.toLowerCase(Locale.ROOT));
    }
}
