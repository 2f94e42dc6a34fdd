package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskctx.TaskContext;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Option {@code jfr=rid}: JFR events {@code taskctx.Context} carry {@code rid}'s value for each span of
 * time a thread runs with it, recorded by a real {@link Recording} in a JVM of its own and read back
 * with {@link RecordingFile} (and, on JDK 25, with the JDK's {@code jfr print}).
 */
class JfrContextTest {

    static final String POOL_THREAD = "jfr-pool";

    /**
     * Records two requests, each handing a task that sleeps 20 ms to one pool thread, then a task
     * handed off with an empty context; writes the recording to {@code args[0]}.
     */
    public static final class TwoRequests {
        public static void main(String[] args) throws Exception {
            ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, POOL_THREAD));
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ThreadSleep").withThreshold(Duration.ZERO);
                recording.enable("taskctx.Context");
                recording.start();
                for (String rid : List.of("req-1", "req-2")) {
                    TaskContext.set("rid", rid);
                    pool.submit(JfrContextTest::sleep20ms).get(10, TimeUnit.SECONDS);
                }
                TaskContext.clear();
                pool.submit(JfrContextTest::sleep20ms).get(10, TimeUnit.SECONDS);
                recording.stop();
                recording.dump(Path.of(args[0]));
            }
            pool.shutdown();
        }
    }

    /**
     * A request starts a platform thread and (JDK 21+) a virtual thread that each sleep 20 ms and end
     * with the request's values still current; writes the recording to {@code args[0]}.
     */
    public static final class NewThreadsInARequest {
        public static void main(String[] args) throws Exception {
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ThreadSleep").withThreshold(Duration.ZERO);
                recording.enable("taskctx.Context");
                recording.start();
                TaskContext.set("rid", "req-platform");
                Thread platform = new Thread(JfrContextTest::sleep20ms, "jfr-platform");
                platform.start();
                platform.join();
                if (Runtime.version().feature() >= 21) {
                    TaskContext.set("rid", "req-virtual");
                    Thread virtual = Jdk21Threads.unstarted(Jdk21Threads.ofVirtual(), JfrContextTest::sleep20ms);
                    virtual.setName("jfr-virtual");
                    virtual.start();
                    virtual.join();
                }
                TaskContext.clear();
                recording.stop();
                recording.dump(Path.of(args[0]));
            }
        }
    }

    /**
     * A request hands a task to the pool thread that reads a file and then enters a monitor the request
     * holds until the pool thread is blocked on it; writes the recording to {@code args[0]}.
     */
    public static final class FileAndLockInARequest {
        public static void main(String[] args) throws Exception {
            Path data = Files.createTempFile("taskctx-jfr-data", ".txt");
            Files.writeString(data, "data");
            Thread[] poolThread = new Thread[1];
            ExecutorService pool = Executors.newSingleThreadExecutor(task -> poolThread[0] = new Thread(task, POOL_THREAD));
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            Object lock = new Object();
            try (Recording recording = new Recording()) {
                recording.enable("jdk.FileRead").withThreshold(Duration.ZERO);
                recording.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ZERO);
                recording.enable("taskctx.Context");
                recording.start();
                TaskContext.set("rid", "req-io");
                java.util.concurrent.Future<?> task;
                synchronized (lock) {
                    task = pool.submit(() -> {
                        try (java.io.FileInputStream in = new java.io.FileInputStream(data.toFile())) {
                            in.read(new byte[16]);
                        }
                        synchronized (lock) {
                            return null;
                        }
                    });
                    while (poolThread[0].getState() != Thread.State.BLOCKED) {
                        Thread.sleep(1);
                    }
                    Thread.sleep(20);
                }
                task.get(10, TimeUnit.SECONDS);
                TaskContext.clear();
                // get() returns once the task has its result, maybe before the pool thread ends the
                // task's span: the pool thread's next task starts only after that.
                pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
                recording.stop();
                recording.dump(Path.of(args[0]));
            } finally {
                Files.delete(data);
            }
            pool.shutdown();
        }
    }

    /** Attaches the agent to this JVM ({@code args[0]}), then runs {@link TwoRequests} ({@code args[1]}). */
    public static final class AttachThenTwoRequests {
        public static void main(String[] args) throws Exception {
            LateAttachTest.attachTaskctx(args[0]);
            TwoRequests.main(new String[] {args[1]});
        }
    }

    /** Prints each registered event type that starts with {@code taskctx}, with its fields' names and labels. */
    public static final class ListsEventTypes {
        public static void main(String[] args) {
            for (EventType type : FlightRecorder.getFlightRecorder().getEventTypes()) {
                if (type.getName().startsWith("taskctx")) {
                    StringBuilder line = new StringBuilder(type.getName());
                    for (ValueDescriptor field : type.getFields()) {
                        line.append(' ').append(field.getName()).append('=').append(field.getLabel());
                    }
                    System.out.println(line);
                }
            }
        }
    }

    /** A request's 1 MB value, read by a pool task while a recording runs, is collected after the request. */
    public static final class FinishedRequest {
        public static void main(String[] args) throws Exception {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (Recording recording = new Recording()) {
                recording.enable("taskctx.Context");
                recording.start();
                WeakReference<byte[]> payload = RequestPayload.run(() -> pool.submit(() -> {
                    sleep20ms();
                    return TaskContext.get(RequestPayload.KEY);
                }).get(10, TimeUnit.SECONDS));
                RequestPayload.assertCollected(payload);
                System.out.println("collected while the pool thread lives");
            }
            pool.shutdown();
        }
    }

    /** Hands a task off without referring to JFR: runs where the JVM has no jdk.jfr module. */
    public static final class HandsOff {
        public static void main(String[] args) throws Exception {
            TaskContext.set("rid", "req-3");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            System.out.println("in-task=" + pool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    static void sleep20ms() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path recordingFile;
    private static List<RecordedEvent> poolSpans;
    private static List<RecordedEvent> poolSleeps;

    @BeforeAll
    static void recordTwoRequests() throws Exception {
        recordingFile = Files.createTempFile("taskctx-jfr", ".jfr");
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=jfr=rid"),
                TwoRequests.class, recordingFile.toString());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).isEmpty();
        poolSpans = new ArrayList<>();
        poolSleeps = new ArrayList<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(recordingFile)) {
            if (event.getThread() == null || !POOL_THREAD.equals(event.getThread().getJavaName())) {
                continue;
            }
            if (event.getEventType().getName().equals("taskctx.Context")) {
                poolSpans.add(event);
            } else if (event.getEventType().getName().equals("jdk.ThreadSleep")) {
                poolSleeps.add(event);
            }
        }
        poolSpans.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
        poolSleeps.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
    }

    @AfterAll
    static void deleteRecording() throws Exception {
        Files.deleteIfExists(recordingFile);
    }

    private static boolean covers(RecordedEvent span, RecordedEvent event) {
        return !span.getStartTime().isAfter(event.getStartTime()) && !span.getEndTime().isBefore(event.getEndTime());
    }

    @Test
    void eachTaskOnThePoolThreadIsASpanWithItsRequestsRid() {
        assertThat(poolSpans).extracting(span -> span.getString("rid")).containsExactly("req-1", "req-2");
    }

    @Test
    void eachSpanCoversItsTasksSleep() {
        assertThat(poolSleeps).hasSize(3);
        assertThat(covers(poolSpans.get(0), poolSleeps.get(0))).as("req-1's span covers the first sleep").isTrue();
        assertThat(covers(poolSpans.get(1), poolSleeps.get(1))).as("req-2's span covers the second sleep").isTrue();
        assertThat(covers(poolSpans.get(0), poolSleeps.get(1))).as("req-1's span ends before req-2's task").isFalse();
    }

    @Test
    void poolThreadTimeOutsideTasksHasNoSpan() {
        RecordedEvent outside = poolSleeps.get(2);
        assertThat(poolSpans).noneMatch(span -> covers(span, outside));
        Instant lastEnd = poolSpans.get(1).getEndTime();
        assertThat(lastEnd).isBefore(outside.getStartTime());
    }

    @Test
    void jfrPrintShowsTheRidOnEachSleepInsideARequest() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "jdk.jfr.Contextual is JDK 25+");
        List<String> poolEvents = jfrPrint("jdk.ThreadSleep", recordingFile);
        assertThat(poolEvents).hasSize(3);
        assertThat(poolEvents.get(0)).contains("Context: Context.rid = \"req-1\"").doesNotContain("req-2");
        assertThat(poolEvents.get(1)).contains("Context: Context.rid = \"req-2\"").doesNotContain("req-1");
        assertThat(poolEvents.get(2)).doesNotContain("Context:");
    }

    /** The spans and sleeps that {@link NewThreadsInARequest} recorded on the thread named {@code threadName}. */
    private static List<List<RecordedEvent>> newThreadEvents(String threadName) throws Exception {
        Path file = Files.createTempFile("taskctx-jfr-threads", ".jfr");
        try {
            // Verified: the exit of VirtualThread.run(Runnable) is woven with this option alone (VerifiedWeavingTest).
            JvmRunner.Result result = JvmRunner.run(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+BytecodeVerificationLocal",
                    "-XX:+BytecodeVerificationRemote", "-javaagent:" + JvmRunner.agentJar() + "=jfr=rid"),
                    NewThreadsInARequest.class, file.toString());
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            // Verifying every boot class, JDK 21+ loads the continuation class before premain: taskctx says so.
            assertThat(result.stderrLines()).allSatisfy(line -> assertThat(line)
                    .startsWith("taskctx: java.lang.VirtualThread$VThreadContinuation was loaded before taskctx"));
            List<RecordedEvent> spans = new ArrayList<>();
            List<RecordedEvent> sleeps = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (event.getThread() != null && threadName.equals(event.getThread().getJavaName())) {
                    (event.getEventType().getName().equals("taskctx.Context") ? spans : sleeps).add(event);
                }
            }
            return List.of(spans, sleeps);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aNewThreadThatEndsInItsInheritedContextRecordsOneSpanOverItsSleep() throws Exception {
        List<List<RecordedEvent>> events = newThreadEvents("jfr-platform");
        assertThat(events.get(0)).extracting(span -> span.getString("rid")).containsExactly("req-platform");
        assertThat(events.get(1)).singleElement().matches(sleep -> covers(events.get(0).get(0), sleep));
    }

    @Test
    void aVirtualThreadThatEndsInItsInheritedContextRecordsOneSpanOverItsSleep() throws Exception {
        Jdk21Threads.assumeAvailable();
        List<List<RecordedEvent>> events = newThreadEvents("jfr-virtual");
        assertThat(events.get(0)).extracting(span -> span.getString("rid")).containsExactly("req-virtual");
        assertThat(events.get(1)).singleElement().matches(sleep -> covers(events.get(0).get(0), sleep));
    }

    /** Runs {@link FileAndLockInARequest} with {@code jfr=rid}: the recording's file. */
    private static Path recordFileAndLock() throws Exception {
        Path file = Files.createTempFile("taskctx-jfr-io", ".jfr");
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=jfr=rid"),
                FileAndLockInARequest.class, file.toString());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return file;
    }

    @Test
    void theSpanOfATaskCoversItsFileReadAndMonitorEnter() throws Exception {
        Path file = recordFileAndLock();
        try {
            List<RecordedEvent> spans = new ArrayList<>();
            List<RecordedEvent> others = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (event.getThread() != null && POOL_THREAD.equals(event.getThread().getJavaName())) {
                    (event.getEventType().getName().equals("taskctx.Context") ? spans : others).add(event);
                }
            }
            assertThat(spans).extracting(span -> span.getString("rid")).containsExactly("req-io");
            assertThat(others).extracting(event -> event.getEventType().getName())
                    .contains("jdk.FileRead", "jdk.JavaMonitorEnter");
            assertThat(others).allMatch(event -> covers(spans.get(0), event));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void jfrPrintShowsTheRidOnTheFileReadAndMonitorEnterOfATask() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "jdk.jfr.Contextual is JDK 25+");
        Path file = recordFileAndLock();
        try {
            List<String> poolEvents = jfrPrint("jdk.FileRead,jdk.JavaMonitorEnter", file);
            assertThat(poolEvents).anyMatch(event -> event.startsWith("jdk.FileRead"));
            assertThat(poolEvents).anyMatch(event -> event.startsWith("jdk.JavaMonitorEnter"));
            assertThat(poolEvents).allMatch(event -> event.contains("Context: Context.rid = \"req-io\""));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The events {@code jfr print --events events file} shows on the pool thread, each as printed. */
    private static List<String> jfrPrint(String events, Path file) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jfr").toString(),
                "print", "--events", events, file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> poolEvents = new ArrayList<>();
        for (String event : output.split("\\R\\R")) {
            if (event.contains("eventThread = \"" + POOL_THREAD + "\"")) {
                poolEvents.add(event.strip());
            }
        }
        return poolEvents;
    }

    @Test
    void anAgentAttachedLateRecordsSpansFromTheAttachOn() throws Exception {
        Path file = Files.createTempFile("taskctx-jfr-attach", ".jfr");
        try {
            JvmRunner.Result result = JvmRunner.run(List.of("-Djdk.attach.allowAttachSelf=true", "-Dtaskctx.jfr=rid"),
                    AttachThenTwoRequests.class, JvmRunner.agentJar(), file.toString());
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stderrLines()).noneMatch(line -> line.startsWith("taskctx:"));
            List<String> rids = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (event.getEventType().getName().equals("taskctx.Context")
                        && POOL_THREAD.equals(event.getThread().getJavaName())) {
                    rids.add(event.getString("rid"));
                }
            }
            assertThat(rids).containsExactlyInAnyOrder("req-1", "req-2");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void withoutTheOptionNoTaskctxEventTypeIsRegistered() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), ListsEventTypes.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).isEmpty();
    }

    @Test
    void withTheOptionOneTaskctxEventTypeHasAFieldPerKeyNamedAsAJavaIdentifierAndLabelledWithTheKey() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=jfr=rid;user.id;duration;1st"),
                ListsEventTypes.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("taskctx.Context startTime=Start Time duration=Duration "
                + "eventThread=Event Thread stackTrace=Stack Trace rid=rid user_id=user.id duration_=duration _1st=1st");
    }

    @Test
    void aFinishedRequestsValueIsCollectedWhileSpansAreRecorded() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=jfr=" + RequestPayload.KEY),
                FinishedRequest.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("collected while the pool thread lives");
    }

    @Test
    void jfrWithoutKeysIsReportedInOneLineAndTheAgentRunsOn() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=jfr"), HandsOff.class);
        assertThat(result.stderrLines()).containsExactly("taskctx: bad value in agent option 'jfr': 'jfr' takes a list of keys, "
                + "not 'on'; give the TaskContext keys to record, separated by ';' (jfr=request_id;user_id); JFR events are off");
        assertThat(result.stdoutLines()).containsExactly("in-task=req-3");
    }

    @Test
    void jfrWithABlankKeyIsReportedInOneLineAndTheAgentRunsOn() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-Dtaskctx.jfr=rid; ;user", "-javaagent:" + JvmRunner.agentJar()),
                HandsOff.class);
        assertThat(result.stderrLines()).containsExactly("taskctx: bad value in system property taskctx.jfr: key 2 of 3 in "
                + "'rid; ;user' is blank; give the TaskContext keys to record, separated by ';' (jfr=request_id;user_id); "
                + "JFR events are off");
        assertThat(result.stdoutLines()).containsExactly("in-task=req-3");
    }

    @Test
    void aJvmWithoutJdkJfrGetsOneLineNamingTheFixAndTheAgentRunsOn() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("--limit-modules", "java.base,java.instrument",
                "-javaagent:" + JvmRunner.agentJar() + "=jfr=rid"), HandsOff.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderrLines()).containsExactly("taskctx: option jfr needs the module jdk.jfr, which this JVM has "
                + "not loaded: run it with --add-modules jdk.jfr (a jlinked image: jlink --add-modules jdk.jfr); JFR events are off");
        assertThat(result.stdoutLines()).containsExactly("in-task=req-3");
    }
}
