package dev.taskctx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code baggage} header codec on its own: parsing, emitting, merging, limits and hostile input. */
class BaggageTest {

    private static final List<String> RID = List.of("rid");

    @Test
    void parsesAllowedKeysOnly() {
        assertThat(Baggage.parse("rid=r1,secret=s,user=u", List.of("rid", "user")))
                .containsExactly(Map.entry("rid", "r1"), Map.entry("user", "u"));
    }

    @Test
    void ignoresOptionalWhitespaceAndProperties() {
        assertThat(Baggage.parse(" rid = r1 ;prop=1;flag\t, user\t=u ; x", List.of("rid", "user")))
                .containsExactly(Map.entry("rid", "r1"), Map.entry("user", "u"));
    }

    @Test
    void decodesPercentEncodedUtf8() {
        assertThat(Baggage.parse("rid=a%20b%2C%3B%25%0D%0A%C3%A9", RID)).containsEntry("rid", "a b,;%\r\né");
    }

    @Test
    void skipsMalformedMembersAndKeepsTheRest() {
        assertThat(Baggage.parse("rid=%zz,rid=%4,rid=%C3%28,rid=a\"b,rid=a b,noequals,=v,r id=1,rid=ok", RID))
                .containsExactly(Map.entry("rid", "ok"));
    }

    @Test
    void rejectsDigitsOfOtherScriptsInEscapes() {
        assertThat(Baggage.parse("rid=%\u0663\u0663", RID)).isEmpty();
    }

    @Test
    void firstOccurrenceOfAKeyWins() {
        assertThat(Baggage.parse("rid=first,rid=second", RID)).containsEntry("rid", "first");
    }

    @Test
    void emptyBlankAndNullHeadersGiveNothing() {
        assertThat(Baggage.parse(null, RID)).isEmpty();
        assertThat(Baggage.parse("", RID)).isEmpty();
        assertThat(Baggage.parse(" \t, ,,", RID)).isEmpty();
        assertThat(Baggage.parse("rid=", RID)).containsEntry("rid", "");
    }

    @Test
    void readsAtMost64Members() {
        StringBuilder header = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            header.append(i == 0 ? "" : ",").append("k").append(i).append("=v").append(i);
        }
        assertThat(Baggage.parse(header.toString(), List.of("k63", "k64", "k199")))
                .containsExactly(Map.entry("k63", "v63"));
    }

    @Test
    void readsAtMost8192CharactersAndDropsTheMemberCutInHalf() {
        String big = "a".repeat(10 * 1024);
        assertThat(Baggage.parse("rid=" + big, RID)).isEmpty();
        assertThat(Baggage.parse("user=u,rid=" + big + ",late=1", List.of("rid", "user", "late")))
                .containsExactly(Map.entry("user", "u"));
        String filler = "f=" + "x".repeat(Baggage.MAX_LENGTH - 4);
        assertThat(Baggage.parse(filler + ",rid=r1", RID)).isEmpty();
        assertThat(Baggage.parse("rid=r1," + filler, RID)).containsEntry("rid", "r1");
    }

    @Test
    void rawControlCharactersAreMalformed() {
        assertThat(Baggage.parse("rid=a\r\nX-Injected: 1", RID)).isEmpty();
        assertThat(Baggage.parse("rid=a\nb,user=u", List.of("rid", "user"))).containsExactly(Map.entry("user", "u"));
    }

    @Test
    void emitsAllowedKeysPercentEncoded() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("rid", "a b,c;d%e\r\nf\u00e9");
        context.put("secret", "s");
        context.put("n", 42);
        assertThat(Baggage.emit(context, List.of("rid", "n"), null))
                .isEqualTo("rid=a%20b%2Cc%3Bd%25e%0D%0Af%C3%A9,n=42");
    }

    @Test
    void emittedValuesParseBackToTheSameStrings() {
        String value = "\u0000 \"\\,;=%\r\n\u00e9\u4e2d\ud83d\ude00~!";
        String header = Baggage.emit(Map.of("rid", value), RID, null);
        assertThat(header).matches("[\\x21-\\x7E]+");
        assertThat(Baggage.parse(header, RID)).containsEntry("rid", value);
    }

    @Test
    void emitsNothingWithoutAllowedValues() {
        assertThat(Baggage.emit(Map.of("secret", "s"), RID, null)).isNull();
        assertThat(Baggage.emit(Map.of("secret", "s"), RID, "app=1")).isEqualTo("app=1");
    }

    @Test
    void mergesIntoTheApplicationsHeaderWhoseEntriesWin() {
        Map<String, Object> context = Map.of("rid", "mine", "user", "u");
        assertThat(Baggage.emit(context, List.of("rid", "user"), "rid=app;p=1, other=o"))
                .isEqualTo("rid=app;p=1,other=o,user=u");
    }

    @Test
    void dropsApplicationMembersWithControlCharacters() {
        assertThat(Baggage.emit(Map.of("rid", "r"), RID, "bad=a\r\nX: y,good=1")).isEqualTo("good=1,rid=r");
    }

    @Test
    void emitsAtMost64Members() {
        Map<String, Object> context = new LinkedHashMap<>();
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            context.put("k" + i, "v");
            keys.add("k" + i);
        }
        String header = Baggage.emit(context, keys, null);
        assertThat(header.split(",")).hasSize(Baggage.MAX_MEMBERS);
        assertThat(Baggage.emit(Map.of("rid", "r"), RID, "a=1,".repeat(70))).doesNotContain("rid");
    }

    @Test
    void emitsAtMost8192CharactersLeavingOutWhatDoesNotFit() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("big", "\r".repeat(10 * 1024));
        context.put("rid", "r1");
        String header = Baggage.emit(context, List.of("big", "rid"), null);
        assertThat(header).isEqualTo("rid=r1");
        String nearlyFull = "x=" + "y".repeat(Baggage.MAX_LENGTH - 4);
        assertThat(Baggage.emit(Map.of("rid", "r1"), RID, nearlyFull)).isEqualTo(nearlyFull);
    }

    @Test
    void keysThatAreNoTokensAreNeverEmitted() {
        assertThat(Baggage.emit(Map.of("a b", "1", "a\r\n", "2"), List.of("a b", "a\r\n"), null)).isNull();
    }
}
