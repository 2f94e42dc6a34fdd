package dev.taskctx.agent;

import dev.taskctx.internal.Baggage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's options: {@code -javaagent:taskctx.jar=debug,timer=off,executors.exclude=a.B;c.D}, or
 * the same names as system properties prefixed with {@code taskctx.} (agent arguments win). A flag
 * without a value means {@code on}. Unknown names and bad values are reported in one line each and
 * the default is used.
 */
final class AgentOptions {

    /** Every option and its default; the README's option table lists the same. */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("debug", "off");
        DEFAULTS.put("executors", "on");
        DEFAULTS.put("executors.exclude", "");
        DEFAULTS.put("threads", "on");
        DEFAULTS.put("threads.exclude", "");
        DEFAULTS.put("forkjoin", "on");
        DEFAULTS.put("completablefuture", "on");
        DEFAULTS.put("scheduled", "on");
        DEFAULTS.put("timer", "on");
        DEFAULTS.put("guava", "on");
        DEFAULTS.put("netty", "on");
        DEFAULTS.put("channels", "on");
        DEFAULTS.put("jetty", "on");
        DEFAULTS.put("tomcat", "on");
        DEFAULTS.put("httpserver", "on");
        DEFAULTS.put("netty.inbound", "on");
        DEFAULTS.put("undertow", "on");
        DEFAULTS.put("vertx", "on");
        DEFAULTS.put("helidon", "on");
        DEFAULTS.put("springkafka", "on");
        DEFAULTS.put("reactor", "on");
        DEFAULTS.put("grpc", "on");
        DEFAULTS.put("coroutines", "on");
        DEFAULTS.put("mdc", "off");
        DEFAULTS.put("micrometer", "off");
        DEFAULTS.put("apicopies", "on");
        DEFAULTS.put("fields", "on");
        DEFAULTS.put("lambdafields", "on");
        DEFAULTS.put("jfr", "");
        DEFAULTS.put("baggage.in", "");
        DEFAULTS.put("baggage.out", "");
        DEFAULTS.put("baggage.hosts", "");
        DEFAULTS.put("baggage.topics", "");
    }

    private final Map<String, String> values = new LinkedHashMap<>(DEFAULTS);

    private AgentOptions() {
    }

    static AgentOptions parse(String arguments) {
        AgentOptions options = new AgentOptions();
        for (String name : DEFAULTS.keySet()) {
            String property = Privileged.systemProperty("taskctx." + name);
            if (property != null) {
                options.accept(name, property, "system property taskctx." + name);
            }
        }
        if (arguments != null) {
            for (String item : arguments.split(",")) {
                String trimmed = item.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                String name = eq < 0 ? trimmed : trimmed.substring(0, eq).trim();
                String value = eq < 0 ? "on" : trimmed.substring(eq + 1).trim();
                options.accept(name, value, "agent option '" + trimmed + "'");
            }
        }
        if (!options.list("baggage.out").isEmpty() && options.list("baggage.hosts").isEmpty()
                && options.list("baggage.topics").isEmpty()) {
            warn("taskctx: agent option baggage.out is given without baggage.hosts or baggage.topics, so no request"
                    + " or record carries baggage; list the hosts that may receive those values as"
                    + " baggage.hosts=host;host, the Kafka topics whose records may carry them as baggage.topics=topic;topic");
        }
        return options;
    }

    private void accept(String name, String value, String source) {
        String fallback = DEFAULTS.get(name);
        if (fallback == null) {
            warn("taskctx: unknown " + source + "; valid options are " + String.join(", ", DEFAULTS.keySet())
                    + " (see the README's option table)");
            return;
        }
        if (name.equals("jfr")) {
            String problem = keyListProblem(value);
            if (problem != null) {
                warn("taskctx: bad value in " + source + ": " + problem + "; give the TaskContext keys to record, "
                        + "separated by ';' (jfr=request_id;user_id); JFR events are off");
                return;
            }
        } else if (name.startsWith("baggage.")) {
            String bad = badListItem(name, value);
            if (bad != null) {
                warn("taskctx: bad value in " + source + ": '" + bad + "' is not " + (name.equals("baggage.hosts")
                        ? "a host name (letters, digits, '-', '.', ':', '[', ']')"
                        : name.equals("baggage.topics")
                        ? "a Kafka topic name (up to 249 letters, digits, '.', '_', '-')"
                        : "a baggage key (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)")
                        + "; list " + name + " as name;name; using none");
                return;
            }
        } else if (!name.endsWith(".exclude")) {
            String normalized = value.toLowerCase(java.util.Locale.ROOT);
            if (normalized.equals("true")) {
                normalized = "on";
            } else if (normalized.equals("false")) {
                normalized = "off";
            }
            if (!normalized.equals("on") && !normalized.equals("off")) {
                warn("taskctx: bad value in " + source + ": '" + name + "' takes on or off; using " + fallback);
                return;
            }
            value = normalized;
        }
        values.put(name, value);
    }

    /** What is wrong with {@code value} as the key list of option {@code jfr}, or null; {@code off} is no list. */
    private static String keyListProblem(String value) {
        String normalized = value.toLowerCase(java.util.Locale.ROOT);
        if (normalized.equals("off") || normalized.equals("false")) {
            return null;
        }
        if (value.isEmpty() || normalized.equals("on") || normalized.equals("true")) {
            return "'jfr' takes a list of keys, not '" + value + "'";
        }
        String[] keys = value.split(";", -1);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].isBlank()) {
                return "key " + (i + 1) + " of " + keys.length + " in '" + value + "' is blank";
            }
        }
        return null;
    }

    /** The first item of the {@code ;}-separated list {@code value} that {@code name} cannot take, or null. */
    private static String badListItem(String name, String value) {
        for (String item : value.split(";")) {
            String trimmed = item.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            boolean good = name.equals("baggage.hosts") ? isHostName(trimmed)
                    : name.equals("baggage.topics") ? isTopicName(trimmed)
                    : Baggage.isToken(trimmed);
            if (!good) {
                return trimmed;
            }
        }
        return null;
    }

    private static boolean isHostName(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "-.:[]".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Kafka's own rule for topic names: at most 249 of {@code [a-zA-Z0-9._-]}. */
    private static boolean isTopicName(String topic) {
        if (topic.length() > 249) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "._-".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static void warn(String line) {
        System.err.println(line);
    }

    /**
     * Whether the option {@code name} is on. The family {@code baggage} has no switch of its own: it is
     * on when {@code baggage.in} is given, or {@code baggage.out} together with {@code baggage.hosts} or
     * {@code baggage.topics}.
     */
    boolean on(String name) {
        if (name.equals("baggage")) {
            return !list("baggage.in").isEmpty() || sendsBaggage();
        }
        return "on".equals(values.get(name));
    }

    /** Whether anything outgoing may carry baggage: HTTP requests ({@link #sendsHttpBaggage}) or Kafka records. */
    boolean sendsBaggage() {
        return sendsHttpBaggage() || sendsKafkaBaggage();
    }

    /** Whether outgoing HTTP requests may carry baggage: keys to send and hosts to send them to are both given. */
    boolean sendsHttpBaggage() {
        return !list("baggage.out").isEmpty() && !list("baggage.hosts").isEmpty();
    }

    /** Whether Kafka records may carry baggage: keys to send and topics whose records carry them are both given. */
    boolean sendsKafkaBaggage() {
        return !list("baggage.out").isEmpty() && !list("baggage.topics").isEmpty();
    }

    boolean debug() {
        return on("debug");
    }

    /** The TaskContext keys option {@code jfr} lists, in order, each once; empty when it is off. */
    List<String> jfrKeys() {
        String value = values.get("jfr");
        if (value.isEmpty() || value.equalsIgnoreCase("off") || value.equalsIgnoreCase("false")) {
            return Collections.emptyList();
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String key : value.split(";")) {
            keys.add(key.trim());
        }
        return new ArrayList<>(keys);
    }

    /** Class names listed in a {@code .exclude} option, separated by {@code ;}. */
    Set<String> classNames(String name) {
        return list(name);
    }

    /** The items of a list option ({@code .exclude}, {@code baggage.*}), separated by {@code ;}, in order. */
    Set<String> list(String name) {
        String value = values.getOrDefault(name, "");
        if (value.isEmpty()) {
            return Collections.emptySet();
        }
        Set<String> names = new LinkedHashSet<>();
        for (String className : Arrays.asList(value.split(";"))) {
            if (!className.isBlank()) {
                names.add(className.trim());
            }
        }
        return names;
    }
}
