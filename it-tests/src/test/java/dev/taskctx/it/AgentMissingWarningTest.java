package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The one warning line the first TaskContext.set prints in a JVM without the agent, and when it does not. */
class AgentMissingWarningTest {

    static final String WARNING = "taskctx: TaskContext.set was called but the taskctx agent is not active"
            + " in this JVM, so values will not follow tasks handed to executors, threads or timers;"
            + " start the JVM with -javaagent:/path/to/taskctx.jar, or propagate explicitly with"
            + " TaskContext.capture()/Snapshot.wrap()/TaskContext.wrap(executor)"
            + " (-Dtaskctx.warnWithoutAgent=false silences this line)";

    /** Sets values on two threads, several times each. */
    public static final class SetsValues {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "r-1");
            TaskContext.set("request_id", "r-2");
            Thread other = new Thread(() -> TaskContext.set("request_id", "r-3"));
            other.start();
            other.join();
            System.out.println("agentActive=" + TaskContext.agentActive() + " request_id=" + TaskContext.get("request_id"));
        }
    }

    /** Only reads. */
    public static final class OnlyReads {
        public static void main(String[] args) {
            System.out.println("request_id=" + TaskContext.get("request_id"));
        }
    }

    @Test
    void firstSetWithoutAgentPrintsOneWarningLinePerJvm() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of(), SetsValues.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderrLines()).containsExactly(WARNING);
        assertThat(result.stdoutLines()).containsExactly("agentActive=false request_id=r-2");
    }

    @Test
    void systemPropertySuppressesTheWarning() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-Dtaskctx.warnWithoutAgent=false"), SetsValues.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderrLines()).isEmpty();
        assertThat(result.stdoutLines()).containsExactly("agentActive=false request_id=r-2");
    }

    @Test
    void nothingIsPrintedWithTheAgent() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), SetsValues.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderrLines()).isEmpty();
        assertThat(result.stdoutLines()).containsExactly("agentActive=true request_id=r-2");
    }

    @Test
    void readingWithoutAgentPrintsNothing() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of(), OnlyReads.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderrLines()).isEmpty();
        assertThat(result.stdoutLines()).containsExactly("request_id=null");
    }
}
