package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka record headers as W3C {@code baggage}: a {@code ProducerRecord} about to be sent (inside
 * {@code KafkaProducer.doSend}, on the sending thread, before the producer makes its headers read-only)
 * gets one {@code baggage} header, its UTF-8 value merged from the application's own and the sending
 * code's {@code baggage.out} entries, where its topic is in {@code baggage.topics}; a
 * {@code ConsumerRecord} about to be handed to a listener brings its allowed entries into the listener's
 * context. Header names are case-sensitive in Kafka: only {@code baggage} is read. The core never links
 * to Kafka: the methods of its public types are found through the record's own class loader, once per
 * record class.
 */
final class KafkaBaggage {

    private static final String NAME = "baggage";

    private static final ClassValue<Handles> HANDLES = new ClassValue<>() {
        @Override
        protected Handles computeValue(Class<?> recordClass) {
            try {
                return new Handles(recordClass.getClassLoader());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private KafkaBaggage() {
    }

    /** {@code record} (a {@code ProducerRecord}) is being sent: its headers get the merged {@code baggage} header, if any. */
    static void sending(Object record) throws Throwable {
        Handles h = HANDLES.get(record.getClass());
        String topic = (String) h.producerTopic.invokeExact(record);
        if (!BaggageRules.sendsToTopic(topic)) {
            return;
        }
        Object headers = h.producerHeaders.invokeExact(record);
        List<String> lines = h.lines(headers);
        String existing = lines.isEmpty() ? null : String.join(",", lines);
        String value = BaggageRules.outgoingToTopic(topic, existing);
        if (value == null || value.equals(existing)) {
            return;
        }
        // A record sent before has read-only headers: remove throws before anything changed.
        h.remove.invokeExact(headers, NAME);
        h.add.invokeExact(headers, NAME, value.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code record} (a {@code ConsumerRecord}) is handed to a listener: its allowed entries are set in the current context. */
    static void receiving(Object record) throws Throwable {
        Handles h = HANDLES.get(record.getClass());
        List<String> lines = h.lines(h.consumerHeaders.invokeExact(record));
        if (!lines.isEmpty()) {
            BaggageRules.applyInbound(lines.iterator());
        }
    }

    /** The methods of {@code ProducerRecord}, {@code ConsumerRecord}, {@code Headers} and {@code Header}, typed with {@code Object}. */
    private static final class Handles {
        final MethodHandle producerTopic;
        final MethodHandle producerHeaders;
        final MethodHandle consumerHeaders;
        final MethodHandle named;
        final MethodHandle remove;
        final MethodHandle add;
        final MethodHandle value;

        Handles(ClassLoader loader) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> producerRecord = Class.forName("org.apache.kafka.clients.producer.ProducerRecord", false, loader);
            Class<?> consumerRecord = Class.forName("org.apache.kafka.clients.consumer.ConsumerRecord", false, loader);
            Class<?> headers = Class.forName("org.apache.kafka.common.header.Headers", false, loader);
            Class<?> header = Class.forName("org.apache.kafka.common.header.Header", false, loader);
            producerTopic = lookup.findVirtual(producerRecord, "topic", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            producerHeaders = lookup.findVirtual(producerRecord, "headers", MethodType.methodType(headers))
                    .asType(MethodType.methodType(Object.class, Object.class));
            consumerHeaders = lookup.findVirtual(consumerRecord, "headers", MethodType.methodType(headers))
                    .asType(MethodType.methodType(Object.class, Object.class));
            named = lookup.findVirtual(headers, "headers", MethodType.methodType(Iterable.class, String.class))
                    .asType(MethodType.methodType(Iterable.class, Object.class, String.class));
            remove = lookup.findVirtual(headers, "remove", MethodType.methodType(headers, String.class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class));
            add = lookup.findVirtual(headers, "add", MethodType.methodType(headers, String.class, byte[].class))
                    .asType(MethodType.methodType(void.class, Object.class, String.class, byte[].class));
            value = lookup.findVirtual(header, "value", MethodType.methodType(byte[].class))
                    .asType(MethodType.methodType(byte[].class, Object.class));
        }

        /** The values of the {@code baggage} headers of {@code headers}, in order, as UTF-8 text. */
        List<String> lines(Object headers) throws Throwable {
            List<String> lines = new ArrayList<>(1);
            if (headers == null) {
                return lines;
            }
            for (Object header : (Iterable<?>) named.invokeExact(headers, NAME)) {
                byte[] bytes = (byte[]) value.invokeExact(header);
                if (bytes != null) {
                    lines.add(new String(bytes, StandardCharsets.UTF_8));
                }
            }
            return lines;
        }
    }
}
