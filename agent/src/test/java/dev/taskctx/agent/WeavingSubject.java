package dev.taskctx.agent;

import dev.taskctx.internal.AgentHooks;

/** The class {@link HookWeaverTest} weaves: one method per kind of hook. */
public class WeavingSubject {

    public Runnable executed;
    private final Object key = new Object();

    /** Woven with an entry hook that replaces the task. */
    public void execute(Runnable task) {
        executed = task;
    }

    /**
     * Woven with entry and exit hooks that mark a hand-off in progress: inside it, a hand-off is nested
     * and leaves the task as it is.
     */
    public Runnable insideHandOff(Runnable task, boolean fail) {
        Runnable seen = AgentHooks.executorExecute(task);
        AgentHooks.handOffDone(null, null);
        if (fail) {
            throw new IllegalStateException("failed inside");
        }
        return seen;
    }

    /** Woven with a redirect of {@code Runnable.run()}. */
    public void runs(Runnable task) {
        task.run();
    }

    /** Woven with an entry hook that receives {@link #key()} through a getter. */
    public void register() {
    }

    public Object key() {
        return key;
    }

    /** Read by a result filter's field arguments. */
    public Class<?> host = WeavingSubject.class;
    public Class<?> implemented = Runnable.class;

    /** Woven with a result filter on the {@code byte[]} calls it makes. */
    public byte[] classFile() {
        return bytes().clone();
    }

    /** Stands for a lambda's class file. */
    private static byte[] bytes() {
        return "java/lang/Runnable".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
