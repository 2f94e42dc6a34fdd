package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** java.util.Timer: every run of a TimerTask sees the context captured when it was scheduled. */
class TimerPropagationTest {

    private Timer timer;

    @BeforeEach
    void start() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
        timer = new Timer("taskctx-it-timer", true); // its thread starts with the empty context
    }

    @AfterEach
    void stop() {
        timer.cancel();
        TaskContext.clear();
    }

    /** A TimerTask that reports the request_id each run saw. */
    static final class Recording extends TimerTask {
        final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();

        @Override
        public void run() {
            seen.add(String.valueOf(TaskContext.get("request_id")));
            TaskContext.set("request_id", "changed-by-task");
        }

        List<Object> runs(int count) throws InterruptedException {
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Object value = seen.poll(10, TimeUnit.SECONDS);
                assertThat(value).as("run %d of the timer task", i + 1).isNotNull();
                values.add(value);
            }
            return values;
        }
    }

    private List<Object> valuesSeen(String value, int runs, Consumer<TimerTask> schedule) throws InterruptedException {
        Recording task = new Recording();
        TaskContext.set("request_id", value);
        schedule.accept(task);
        TaskContext.set("request_id", "changed-after-scheduling");
        List<Object> values = task.runs(runs);
        task.cancel();
        return values;
    }

    @Test
    void oneShotTaskAtDateSeesSchedulerValue() throws Exception {
        assertThat(valuesSeen("timer-date", 1, task -> timer.schedule(task, new Date(System.currentTimeMillis() + 10))))
                .containsExactly("timer-date");
    }

    @Test
    void everyRunAtFixedRateSeesSchedulerValueNotThePreviousRunsChange() throws Exception {
        assertThat(valuesSeen("timer-rate", 3, task -> timer.scheduleAtFixedRate(task, 0, 10)))
                .containsExactly("timer-rate", "timer-rate", "timer-rate");
    }

    @Test
    void everyRunWithFixedDelaySeesSchedulerValue() throws Exception {
        assertThat(valuesSeen("timer-delay", 3, task -> timer.schedule(task, 0, 10)))
                .containsExactly("timer-delay", "timer-delay", "timer-delay");
    }

    @Test
    void tasksScheduledWithDifferentValuesEachSeeTheirOwn() throws Exception {
        Recording first = new Recording();
        Recording second = new Recording();
        TaskContext.set("request_id", "first");
        timer.scheduleAtFixedRate(first, 0, 10);
        TaskContext.set("request_id", "second");
        timer.scheduleAtFixedRate(second, 5, 10);
        assertThat(first.runs(3)).containsOnly("first");
        assertThat(second.runs(3)).containsOnly("second");
    }
}
