package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;

/**
 * Spring Kafka's record listeners: the container's consumer thread polls a batch of records and hands
 * each to the listener through {@code KafkaMessageListenerContainer$ListenerConsumer.doInvokeRecordListener}
 * (also inside a transaction; with the record's observation, interceptors and error handling), so one
 * thread runs every record of every poll: each call is a task of its own, starting empty except for
 * the record's allowed {@code baggage} header entries (option {@code baggage.in}), and the consumer
 * thread's context is put back after it. A container's {@code start()} captures nothing: its consumer
 * threads belong to the container, not to the code that started it. Batch listeners have no per-record
 * boundary and are left as they are. Matched by class name; the agent never links to Spring Kafka.
 */
final class SpringKafkaInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "springkafka";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("org/springframework/kafka/listener/KafkaMessageListenerContainer$ListenerConsumer",
                Hooks.recordDispatch("doInvokeRecordListener",
                        "(Lorg/apache/kafka/clients/consumer/ConsumerRecord;Ljava/util/Iterator;)", Arg.parameter(0)));
        plan.add("org/springframework/kafka/listener/AbstractMessageListenerContainer", Hooks.serverStartUp("start", "()V"));
    }
}
