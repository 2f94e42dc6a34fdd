package dev.taskctx.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's quickstart command, run as a newcomer would: a JVM with -javaagent:taskctx.jar. */
class QuickstartTest {

    @Test
    void quickstartTellsTheStoryAndExitsZero() throws Exception {
        String agent = new File(System.getProperty("taskctx.it.jar")).getAbsolutePath();
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + agent,
                "-cp", System.getProperty("java.class.path"),
                Quickstart.class.getName())
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).hasSize(4);
        String requestId = lines.get(0).substring("main:    request_id=".length());
        assertThat(requestId).hasSize(36);
        assertThat(lines.get(1)).isEqualTo("child-1: request_id=" + requestId + ", set task_data=child-1-data");
        assertThat(lines.get(2)).isEqualTo("child-2: request_id=" + requestId + ", set task_data=child-2-data");
        assertThat(lines.get(3)).isEqualTo("main:    request_id=" + requestId + " (unchanged), task_data=null (absent, as it should be)");
    }
}
