package dev.taskctx.agent;

/**
 * Reactor's schedulers: each one's tasks are executor tasks (its workers are
 * {@code ScheduledThreadPoolExecutor}s, covered by {@code executors} and {@code scheduled}), but a
 * scheduler is often made lazily, by whichever code first asks for {@code Schedulers.boundedElastic()},
 * which may be a request; its {@code init()} then schedules the scheduler's own periodic task (the
 * bounded-elastic evictor), which would keep that request's values for the life of the JVM. A
 * scheduler's {@code init()} and {@code start()} are its own machinery: they capture nothing. Matched
 * by class name; the agent never links to Reactor.
 */
final class ReactorInstrumentation implements HandOffFamily {

    private static final String[] SCHEDULERS = {
        "reactor/core/scheduler/BoundedElasticScheduler",
        "reactor/core/scheduler/ParallelScheduler",
        "reactor/core/scheduler/SingleScheduler",
        "reactor/core/scheduler/DelegateServiceScheduler",
    };

    @Override
    public String name() {
        return "reactor";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        for (String scheduler : SCHEDULERS) {
            plan.add(scheduler, Hooks.serverStartUp("init", "()V"), Hooks.serverStartUp("start", "()V"));
        }
    }
}
