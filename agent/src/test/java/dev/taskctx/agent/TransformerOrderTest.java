package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link TransformerOrder#mentions}, the check both transformers make for bytes that already carry the hooks. */
class TransformerOrderTest {

    private static final byte[] MARKER = "dev/taskctx/internal/AgentHooks".getBytes(StandardCharsets.UTF_8);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheMarkerAnywhere() {
        assertThat(TransformerOrder.mentions(bytes("dev/taskctx/internal/AgentHooks"), MARKER)).isTrue();
        assertThat(TransformerOrder.mentions(bytes("\u0001\u0000\u001fdev/taskctx/internal/AgentHooks\u0007"), MARKER)).isTrue();
        assertThat(TransformerOrder.mentions(bytes("java/lang/Thread dev/taskctx/internal/AgentHooks"), MARKER)).isTrue();
    }

    @Test
    void aPartialOrShorterMatchIsNoMarker() {
        assertThat(TransformerOrder.mentions(bytes("dev/taskctx/internal/AgentHook"), MARKER)).isFalse();
        assertThat(TransformerOrder.mentions(bytes("dev/taskctx/internal/AgentHookz dev/taskctx/internal/Agent"), MARKER)).isFalse();
        assertThat(TransformerOrder.mentions(new byte[0], MARKER)).isFalse();
    }
}
