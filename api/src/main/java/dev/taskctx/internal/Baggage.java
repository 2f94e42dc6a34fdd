package dev.taskctx.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The W3C {@code baggage} header's value (W3C Baggage, "Header Content"): list members
 * {@code key=value;property} separated by {@code ,} with optional spaces and tabs, keys HTTP tokens,
 * values UTF-8 percent-encoded. Properties are ignored. Both directions are bounded by the spec's
 * limits, {@value #MAX_MEMBERS} members and {@value #MAX_LENGTH} characters: what lies beyond is
 * ignored, and no input makes either method throw. Stateless and thread-safe.
 */
public final class Baggage {

    /** List members parsed or emitted at most (the spec's limit a platform must propagate). */
    public static final int MAX_MEMBERS = 64;
    /** Characters of a header value parsed or emitted at most (8192 bytes: one byte each in a header). */
    public static final int MAX_LENGTH = 8192;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Baggage() {
    }

    /**
     * The members of {@code header} whose keys are in {@code allowed}, decoded, in header order; for a
     * key given twice the first wins. A malformed member (no {@code =}, a key that is no token, a value
     * with a character outside the spec's, a bad escape or bytes that are not UTF-8) is skipped; so is
     * everything past the first {@value #MAX_MEMBERS} members or {@value #MAX_LENGTH} characters.
     * A null or empty header gives an empty map.
     */
    public static Map<String, String> parse(String header, Collection<String> allowed) {
        Map<String, String> entries = new LinkedHashMap<>();
        if (header == null || allowed.isEmpty()) {
            return entries;
        }
        int end = Math.min(header.length(), MAX_LENGTH);
        if (end < header.length() && header.charAt(end) != ',') {
            // The member cut by the limit is dropped whole, never read half.
            end = Math.max(0, header.lastIndexOf(',', end));
        }
        int members = 0;
        int start = 0;
        while (start < end && members < MAX_MEMBERS) {
            int stop = indexOf(header, ',', start, end);
            int memberEnd = indexOf(header, ';', start, stop);
            if (!isBlank(header, start, stop)) {
                members++;
                readMember(header, start, memberEnd, allowed, entries);
            }
            start = stop + 1;
        }
        return entries;
    }

    /** The index of {@code c} in {@code s[start, end)}, else {@code end}. */
    private static int indexOf(String s, char c, int start, int end) {
        for (int i = start; i < end; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return end;
    }

    private static void readMember(String header, int start, int end, Collection<String> allowed,
                                   Map<String, String> entries) {
        int eq = indexOf(header, '=', start, end);
        if (eq == end) {
            return;
        }
        String key = trimmed(header, start, eq);
        if (!isToken(key) || !allowed.contains(key) || entries.containsKey(key)) {
            return;
        }
        String value = decode(trimmed(header, eq + 1, end));
        if (value != null) {
            entries.put(key, value);
        }
    }

    /** The percent-decoded UTF-8 value, or null where it has a character outside baggage-octet, a bad escape or bad UTF-8. */
    static String decode(String raw) {
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? hexDigit(raw.charAt(i + 1)) : -1;
                int low = high < 0 ? -1 : hexDigit(raw.charAt(i + 2));
                if (low < 0) {
                    return null;
                }
                bytes.put((byte) (high << 4 | low));
                i += 2;
            } else if (isValueOctet(c)) {
                bytes.put((byte) c);
            } else {
                return null;
            }
        }
        bytes.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The value of an ASCII hex digit, else -1 ({@code Character.digit} also takes other scripts' digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
            return (c | 0x20) - 'a' + 10;
        }
        return -1;
    }

    /**
     * One header value: the members of {@code existing} (the application's own header, or null) first,
     * as they are, then {@code key=value} for each key of {@code allowed} that {@code context} holds and
     * {@code existing} does not name (the application's entry wins), the value {@code String.valueOf}
     * percent-encoded as UTF-8 so that only baggage-octets other than {@code %} appear unencoded (never a
     * CR, LF, {@code ,}, {@code ;} or space). A member of {@code existing} with a control character
     * is dropped; members that would pass {@value #MAX_MEMBERS} or {@value #MAX_LENGTH} characters are
     * left out. Returns null when there is nothing to send; {@code existing} itself when nothing was added.
     */
    public static String emit(Map<String, Object> context, Collection<String> allowed, String existing) {
        StringBuilder header = new StringBuilder();
        Set<String> present = new HashSet<>();
        int members = 0;
        if (existing != null) {
            int start = 0;
            while (start <= existing.length() && members < MAX_MEMBERS) {
                int comma = existing.indexOf(',', start);
                int stop = comma < 0 ? existing.length() : comma;
                String member = trimmed(existing, start, stop);
                if (!member.isEmpty() && !hasControl(member) && fits(header, member)) {
                    append(header, member);
                    members++;
                    int eq = member.indexOf('=');
                    present.add(trimmed(member, 0, eq < 0 ? member.length() : eq));
                }
                start = stop + 1;
            }
        }
        boolean added = false;
        for (String key : allowed) {
            if (members >= MAX_MEMBERS) {
                break;
            }
            Object value = context.get(key);
            if (value == null || present.contains(key) || !isToken(key)) {
                continue;
            }
            String member = key + '=' + encode(String.valueOf(value));
            if (fits(header, member)) {
                append(header, member);
                members++;
                added = true;
            }
        }
        return added ? header.toString() : existing;
    }

    /** {@code value} as UTF-8, every byte that is not a baggage-octet, and {@code %}, as {@code %XX}. */
    static String encode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder encoded = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            char c = (char) (b & 0xFF);
            if (c != '%' && isValueOctet(c)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return encoded.toString();
    }

    private static boolean fits(StringBuilder header, String member) {
        return header.length() + (header.length() == 0 ? 0 : 1) + member.length() <= MAX_LENGTH;
    }

    private static void append(StringBuilder header, String member) {
        if (header.length() > 0) {
            header.append(',');
        }
        header.append(member);
    }

    /** baggage-octet: visible US-ASCII except {@code "}, {@code ,}, {@code ;} and {@code \}. */
    private static boolean isValueOctet(char c) {
        return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
    }

    /** An HTTP token (RFC 9110 tchar), as a baggage key must be. */
    public static boolean isToken(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean tchar = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasControl(String member) {
        for (int i = 0; i < member.length(); i++) {
            char c = member.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F || c > 0xFF) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBlank(String s, int start, int end) {
        return trimmed(s, start, end).isEmpty();
    }

    /** {@code s[start, end)} without the optional whitespace (space, tab) around it. */
    private static String trimmed(String s, int start, int end) {
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }
}
