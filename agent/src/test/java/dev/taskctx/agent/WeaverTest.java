package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import example.weaving.WeavingCandidates.NotAnExecutor;
import example.weaving.WeavingCandidates.OwnExecutor;
import example.weaving.WeavingCandidates.OwnScheduler;
import example.weaving.WeavingCandidates.OwnThread;
import example.weaving.WeavingCandidates.PoolSubclass;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Weaver}'s choice of application classes: the same whether a class is woven as it loads (its
 * super types read from class files) or was loaded before the agent (found by reflection).
 */
class WeaverTest {

    private static Weaver weaver() {
        WeavingPlan plan = new WeavingPlan();
        AgentOptions options = AgentOptions.parse("");
        for (HandOffFamily family : Installer.FAMILIES) {
            if (options.on(family.name())) {
                family.register(plan, options);
            }
        }
        return new Weaver(plan, false);
    }

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(classes = {OwnExecutor.class, PoolSubclass.class, OwnThread.class, OwnScheduler.class, NotAnExecutor.class})
    void loadedAndLoadingClassesAreJudgedAlike(Class<?> type) throws IOException {
        Weaver weaver = weaver();
        byte[] woven = weaver.transform(type.getClassLoader(), type.getName().replace('.', '/'), null, null, classFile(type));
        assertThat(weaver.wants(type)).isEqualTo(woven != null);
    }

    @Test
    void applicationExecutorsSchedulersAndThreadsAreWovenPoolSubclassesAndTasksAreNot() {
        Weaver weaver = weaver();
        assertThat(weaver.wants(OwnExecutor.class)).isTrue();
        assertThat(weaver.wants(OwnScheduler.class)).isTrue();
        assertThat(weaver.wants(OwnThread.class)).isTrue();
        assertThat(weaver.wants(PoolSubclass.class)).isFalse();
        assertThat(weaver.wants(NotAnExecutor.class)).isFalse();
    }
}
