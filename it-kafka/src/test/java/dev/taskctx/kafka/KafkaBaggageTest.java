package dev.taskctx.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Kafka records carry W3C {@code baggage}: {@code KafkaProducer.send} (with and without a callback) on
 * a thread whose context holds {@code baggage.out}'s keys gives records to a topic in
 * {@code baggage.topics} one {@code baggage} header, and a Spring Kafka record listener runs each record
 * as its own task with the record's {@code baggage.in} entries. One KRaft broker runs in the test JVM
 * for every test; each scenario is a JVM with the agent and the options under test, with topics of its
 * own, whose listener prints what it received.
 */
class KafkaBaggageTest {

    private static final String ALL_ON = "baggage.in=rid;user,baggage.out=rid;user,baggage.topics=";
    private static final int RECORDS = 9;

    private static EmbeddedKafkaKraftBroker broker;
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static JvmRunner.Result allOn;

    /**
     * Sends seven records (args: bootstrap servers, a listed topic, a topic not listed) and prints, per
     * record its listener received, the raw {@code baggage} header values and the listener's context.
     */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            String servers = args[0];
            String listed = args[1];
            String unlisted = args[2];
            ExecutorService pool = Executors.newSingleThreadExecutor();
            CountDownLatch received = new CountDownLatch(RECORDS);
            ContainerProperties properties = new ContainerProperties(listed, unlisted);
            properties.setGroupId("g-" + UUID.randomUUID());
            AtomicBoolean assigned = new AtomicBoolean();
            properties.setConsumerRebalanceListener(new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (assigned.compareAndSet(false, true)) {
                        System.out.println("consumer-thread: starter=" + TaskContext.get("starter"));
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }
            });
            properties.setMessageListener((MessageListener<String, String>) record -> {
                try {
                    Object leak = TaskContext.get("leak");
                    Object pooled = pool.submit(() -> TaskContext.get("rid")).get(10, TimeUnit.SECONDS);
                    System.out.println(record.value() + ": header=" + baggageValues(record) + " rid=" + TaskContext.get("rid")
                            + " user=" + TaskContext.get("user") + " secret=" + TaskContext.get("secret")
                            + " pool=" + pooled + " leak=" + leak + " starter=" + TaskContext.get("starter"));
                    TaskContext.set("leak", record.value());
                } catch (Exception e) {
                    System.out.println(record.value() + ": " + e);
                } finally {
                    received.countDown();
                }
            });
            KafkaMessageListenerContainer<String, String> container = new KafkaMessageListenerContainer<>(
                    new DefaultKafkaConsumerFactory<>(Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)),
                    properties);
            // The container's consumer thread belongs to the container, not to the code that started it.
            TaskContext.set("starter", "main");
            container.start();
            TaskContext.clear();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                TaskContext.set("rid", "r 1,\u00e9");
                TaskContext.set("user", "u");
                TaskContext.set("secret", "s3cret");
                producer.send(new ProducerRecord<>(listed, "send")).get(30, TimeUnit.SECONDS);
                CountDownLatch acknowledged = new CountDownLatch(1);
                producer.send(new ProducerRecord<>(listed, "send-with-callback"), (metadata, e) -> acknowledged.countDown());
                acknowledged.await(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(unlisted, "unlisted")).get(30, TimeUnit.SECONDS);
                ProducerRecord<String, String> withHeader = new ProducerRecord<>(listed, "app-header");
                withHeader.headers().add("baggage", "rid=app;p=1".getBytes(StandardCharsets.UTF_8));
                withHeader.headers().add("baggage", "other=o".getBytes(StandardCharsets.UTF_8));
                producer.send(withHeader).get(30, TimeUnit.SECONDS);
                // One record object sent from two contexts: each send carries its own, the object keeps none.
                ProducerRecord<String, String> reused = new ProducerRecord<>(listed, "reused");
                producer.send(reused).get(30, TimeUnit.SECONDS);
                TaskContext.clear();
                TaskContext.set("rid", "again");
                producer.send(reused).get(30, TimeUnit.SECONDS);
                System.out.println("reused-record-headers: " + reused.headers().headers("baggage").iterator().hasNext()
                        + ", app-header-record: " + baggageValues(withHeader.headers()));
                TaskContext.clear();
                producer.send(new ProducerRecord<>(listed, "empty-context")).get(30, TimeUnit.SECONDS);
                ProducerRecord<String, String> inbound = new ProducerRecord<>(listed, "inbound");
                inbound.headers().add("baggage", "rid=in,secret=x,user=v".getBytes(StandardCharsets.UTF_8));
                producer.send(inbound).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(listed, "after-inbound")).get(30, TimeUnit.SECONDS);
                if (!received.await(30, TimeUnit.SECONDS)) {
                    System.out.println("missing: " + received.getCount());
                }
            } finally {
                container.stop();
                pool.shutdown();
            }
        }

        private static List<String> baggageValues(ConsumerRecord<?, ?> record) {
            return baggageValues(record.headers());
        }

        private static List<String> baggageValues(Headers headers) {
            List<String> values = new ArrayList<>();
            for (Header header : headers.headers("baggage")) {
                values.add(new String(header.value(), StandardCharsets.UTF_8));
            }
            return values.isEmpty() ? null : values;
        }
    }

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.destroy();
        }
    }

    /** Runs {@link Main} with the agent given {@code options} followed by its own listed topic (or none if {@code options} is empty). */
    private static JvmRunner.Result run(String options) throws Exception {
        int run = RUNS.incrementAndGet();
        String listed = "run" + run + ".listed";
        String unlisted = "run" + run + ".unlisted";
        broker.addTopics(listed, unlisted);
        String agentOptions = options.isEmpty() ? "" : options.endsWith("=") ? options + listed : options;
        JvmRunner.Result result = JvmRunner.run(agentOptions, Main.class, broker.getBrokersAsString(), listed, unlisted);
        assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isZero();
        assertThat(result.stdoutLines()).as("stderr: %s", result.stderr()).noneMatch(line -> line.startsWith("missing: "));
        return result;
    }

    private static synchronized JvmRunner.Result runAllOn() throws Exception {
        if (allOn == null) {
            allOn = run(ALL_ON);
        }
        return allOn;
    }

    @Test
    void recordsToAListedTopicCarryTheAllowedKeysAsOneHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).anyMatch(line -> line.startsWith("send: header=[rid=r%201%2C%C3%A9,user=u] "))
                .anyMatch(line -> line.startsWith("send-with-callback: header=[rid=r%201%2C%C3%A9,user=u] "));
    }

    /** The header goes on a copy of the record: one record object sent from two contexts carries each one's, and keeps none. */
    @Test
    void theApplicationsRecordIsLeftAsItWas() throws Exception {
        assertThat(runAllOn().stdoutLines())
                .anyMatch(line -> line.startsWith("reused: header=[rid=r%201%2C%C3%A9,user=u] "))
                .anyMatch(line -> line.startsWith("reused: header=[rid=again] "))
                .contains("reused-record-headers: false, app-header-record: [rid=app;p=1, other=o]");
    }

    @Test
    void theListenerAndAPoolTaskItStartsSeeTheRecordsEntries() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains(
                "send: header=[rid=r%201%2C%C3%A9,user=u] rid=r 1,\u00e9 user=u secret=null pool=r 1,\u00e9 leak=null starter=null");
    }

    @Test
    void keysNotAllowedInAreNotApplied() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains(
                "inbound: header=[rid=in,secret=x,user=v] rid=in user=v secret=null pool=in leak=null starter=null");
    }

    @Test
    void topicsNotListedGetNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).anyMatch(line -> line.startsWith("unlisted: header=null rid=null user=null "));
    }

    @Test
    void theApplicationsHeadersAreMergedIntoOneAndItsEntriesWin() throws Exception {
        assertThat(runAllOn().stdoutLines()).anyMatch(line -> line.startsWith("app-header: header=[rid=app;p=1,other=o,user=u] "));
    }

    @Test
    void anEmptyContextSendsNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).anyMatch(line -> line.startsWith("empty-context: header=null "));
    }

    /** The consumer thread ran records with entries (and set values) before: the next record without a header starts empty. */
    @Test
    void theNextRecordWithoutAHeaderSeesAnEmptyContext() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains(
                "empty-context: header=null rid=null user=null secret=null pool=null leak=null starter=null",
                "after-inbound: header=null rid=null user=null secret=null pool=null leak=null starter=null");
    }

    @Test
    void theContainersConsumerThreadKeepsNothingOfTheCodeThatStartedIt() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("consumer-thread: starter=null");
    }

    @Test
    void withoutOptionsNothingIsSentOrApplied() throws Exception {
        List<String> lines = run("").stdoutLines();
        assertThat(lines).contains(
                "send: header=null rid=null user=null secret=null pool=null leak=null starter=null",
                "app-header: header=[rid=app;p=1, other=o] rid=null user=null secret=null pool=null leak=null starter=null",
                "inbound: header=[rid=in,secret=x,user=v] rid=null user=null secret=null pool=null leak=null starter=null");
    }

    /** Option {@code springkafka=off}: records are sent with the header, and the listener runs in whatever the consumer thread holds. */
    @Test
    void springKafkaOffLeavesTheListenerToTheConsumerThreadsContext() throws Exception {
        List<String> lines = run("springkafka=off," + ALL_ON).stdoutLines();
        assertThat(lines).contains("consumer-thread: starter=main")
                .anyMatch(line -> line.startsWith("inbound: header=[rid=in,secret=x,user=v] rid=null user=null secret=null"))
                // what the record before it set (the other topic's record may come between)
                .anyMatch(line -> line.matches("after-inbound: header=null rid=null user=null secret=null pool=null"
                        + " leak=(?!null )\\S+ starter=main"));
    }
}
