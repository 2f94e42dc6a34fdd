package dev.taskctx.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's HttpService command, run as a newcomer would ({@code -javaagent:taskctx.jar=mdc}), on
 * JDK 17 and on JDK 25 where it is installed, driven by 32 concurrent requests: every stage of every
 * response, and every log line a stage writes, carries its own request's id.
 */
class HttpServiceTest {

    private static final int REQUESTS = 32;
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64", "bin", "java");
    private static final Pattern STAGE = Pattern.compile("stage=(\\S+) taskctx=(\\S+) mdc=(\\S+)");
    private static final Pattern STAGE_LOG_LINE = Pattern.compile("request_id=(\\S*) stage=(\\S+) taskctx=(\\S+)$");

    private Process service;
    private Path output;

    static Stream<String> javaExecutables() {
        String current = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Files.isExecutable(JDK25) ? Stream.of(current, JDK25.toString()) : Stream.of(current);
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.destroy();
            assertThat(service.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        if (output != null) {
            Files.deleteIfExists(output);
        }
    }

    @ParameterizedTest
    @MethodSource("javaExecutables")
    void everyStageOfEveryConcurrentRequestSeesItsOwnRequestId(String java) throws Exception {
        Map<String, List<String[]>> seen = driveConcurrentRequests(java);
        for (Map.Entry<String, List<String[]>> response : seen.entrySet()) {
            String id = response.getKey();
            List<String[]> stages = response.getValue();
            assertThat(stages).extracting(s -> s[0]).as("stages of " + id).containsExactly(
                    "handler", "pool", "cf-supplyAsync", "cf-thenApplyAsync", "cf-thenApply",
                    "parallel-stream", "parallel-stream", "parallel-stream", "parallel-stream",
                    "parallel-stream", "parallel-stream", "parallel-stream", "parallel-stream");
            for (String[] stage : stages) {
                assertThat(stage[1]).as("TaskContext in stage " + stage[0] + " of " + id).isEqualTo(id);
                assertThat(stage[2]).as("MDC in stage " + stage[0] + " of " + id).isEqualTo(id);
            }
        }
        List<String[]> logged = stageLogLines();
        assertThat(logged).hasSize(REQUESTS * 13);
        for (String[] line : logged) {
            assertThat(line[0]).as("rendered %X{request_id} of stage " + line[1]).isEqualTo(line[2]);
        }
    }

    /** Starts the service with {@code java}, sends 32 requests at once; what each request's stages saw, by id. */
    private Map<String, List<String[]>> driveConcurrentRequests(String java) throws Exception {
        int port = start(java);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        Map<String, CompletableFuture<HttpResponse<String>>> pending = new LinkedHashMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            String id = "req-" + i + "-" + Long.toHexString(System.nanoTime());
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .header("X-Request-Id", id)
                    .timeout(Duration.ofSeconds(60))
                    .build();
            pending.put(id, client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        Map<String, List<String[]>> seen = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> entry : pending.entrySet()) {
            HttpResponse<String> response = entry.getValue().get(90, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            List<String> lines = response.body().lines().toList();
            assertThat(lines.get(0)).isEqualTo("request_id=" + entry.getKey());
            List<String[]> stages = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                Matcher m = STAGE.matcher(line);
                assertThat(m.matches()).as(line).isTrue();
                stages.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
            seen.put(entry.getKey(), stages);
        }
        return seen;
    }

    private int start(String java) throws Exception {
        String agent = new File(System.getProperty("taskctx.it.jar")).getAbsolutePath();
        output = Files.createTempFile("taskctx-http-service", ".out");
        service = new ProcessBuilder(java, "-javaagent:" + agent + "=mdc",
                "-cp", System.getProperty("java.class.path"), HttpService.class.getName(), "0")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/ \\(taskctx agent active\\)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            if (!lines.isEmpty()) {
                Matcher m = listening.matcher(lines.get(0));
                assertThat(m.matches()).as("first line of the service: " + lines).isTrue();
                return Integer.parseInt(m.group(1));
            }
            assertThat(service.isAlive()).as("the service exited early").isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("the service did not print its port within 60 s");
    }

    /** The service's log lines written by stages: rendered MDC request_id, stage, TaskContext value. */
    private List<String[]> stageLogLines() throws Exception {
        List<String[]> logged = new ArrayList<>();
        for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
            Matcher m = STAGE_LOG_LINE.matcher(line);
            if (m.find()) {
                logged.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
        }
        return logged;
    }
}
