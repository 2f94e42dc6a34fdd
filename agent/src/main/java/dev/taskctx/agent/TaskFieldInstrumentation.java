package dev.taskctx.agent;

/**
 * Binding fields for the JDK's task classes that load after the agent: {@code FutureTask} (every
 * {@code submit}, every scheduled task), {@code ForkJoinTask} (forks, {@code ForkJoinPool.execute},
 * {@code CompletableFuture}'s async tasks and completions), {@code TimerTask}, and a second field for
 * {@code CompletableFuture}'s completions (the snapshot of the code that registered them). With a
 * field, a hand-off of such a task binds its snapshot in the task ({@link BindingField}) instead of
 * the side table. A class loaded before the agent, and a lambda, keep the side table. Option
 * {@code fields=off} adds no field: every binding goes to the side table.
 */
final class TaskFieldInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "fields";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.addField("java/util/concurrent/FutureTask", BindingField.TASK);
        plan.addField("java/util/concurrent/ForkJoinTask", BindingField.TASK);
        plan.addField("java/util/TimerTask", BindingField.TASK);
        plan.addField(WeavingPlan.COMPLETION_PREFIX + "Completion", BindingField.COMPLETION);
        plan.uncheckedCarrierCalls = true;
    }
}
