package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka record headers as W3C {@code baggage}: a {@code ProducerRecord} about to be sent (inside
 * {@code KafkaProducer.doSend}, on the sending thread) is replaced by a copy with one {@code baggage} header, its UTF-8 value merged from the application's own and the sending
 * code's {@code baggage.out} entries, where its topic is in {@code baggage.topics}; a
 * {@code ConsumerRecord} about to be handed to a listener brings its allowed entries into the listener's
 * context. Header names are case-sensitive in Kafka: only {@code baggage} is read. The core never links
 * to Kafka: the methods of its public types are found through the record's own class loader, once per
 * record class.
 */
final class KafkaBaggage {

    private static final String NAME = "baggage";

    private static final ClassValue<Handles> HANDLES = LibraryHandles.perClass(recordClass -> new Handles(recordClass.getClassLoader()));

    private KafkaBaggage() {
    }

    /**
     * {@code record} (a {@code ProducerRecord}) is being sent: returns the record to send, a copy with
     * the merged {@code baggage} header (and every other header of {@code record}) where its topic may
     * carry one, else {@code record} itself. The application's own record is never changed: it may be
     * sent again, from another request's code, or from two threads at once.
     */
    static Object sending(Object record) throws Throwable {
        Handles h = HANDLES.get(record.getClass());
        String topic = (String) h.producerTopic.invokeExact(record);
        if (!BaggageRules.sendsToTopic(topic)) {
            return record;
        }
        Object headers = h.producerHeaders.invokeExact(record);
        List<String> lines = h.lines(headers);
        String existing = lines.isEmpty() ? null : String.join(",", lines);
        String value = BaggageRules.outgoingToTopic(topic, existing);
        if (value == null || value.equals(existing)) {
            return record;
        }
        List<Object> copied = new ArrayList<>();
        for (Object header : (Object[]) h.toArray.invokeExact(headers)) {
            if (!NAME.equals((String) h.key.invokeExact(header))) {
                copied.add(header);
            }
        }
        copied.add(h.newHeader.invokeExact(NAME, value.getBytes(StandardCharsets.UTF_8)));
        return h.newRecord.invokeExact(topic, (Integer) h.partition.invokeExact(record), (Long) h.timestamp.invokeExact(record),
                h.recordKey.invokeExact(record), h.recordValue.invokeExact(record), (Iterable<?>) copied);
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
        final MethodHandle value;
        final MethodHandle key;
        final MethodHandle toArray;
        final MethodHandle partition;
        final MethodHandle timestamp;
        final MethodHandle recordKey;
        final MethodHandle recordValue;
        final MethodHandle newHeader;
        final MethodHandle newRecord;

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
            value = lookup.findVirtual(header, "value", MethodType.methodType(byte[].class))
                    .asType(MethodType.methodType(byte[].class, Object.class));
            key = lookup.findVirtual(header, "key", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            toArray = lookup.findVirtual(headers, "toArray", MethodType.methodType(header.arrayType()))
                    .asType(MethodType.methodType(Object[].class, Object.class));
            partition = lookup.findVirtual(producerRecord, "partition", MethodType.methodType(Integer.class))
                    .asType(MethodType.methodType(Integer.class, Object.class));
            timestamp = lookup.findVirtual(producerRecord, "timestamp", MethodType.methodType(Long.class))
                    .asType(MethodType.methodType(Long.class, Object.class));
            recordKey = lookup.findVirtual(producerRecord, "key", MethodType.methodType(Object.class))
                    .asType(MethodType.methodType(Object.class, Object.class));
            recordValue = lookup.findVirtual(producerRecord, "value", MethodType.methodType(Object.class))
                    .asType(MethodType.methodType(Object.class, Object.class));
            Class<?> recordHeader = Class.forName("org.apache.kafka.common.header.internals.RecordHeader", false, loader);
            newHeader = lookup.findConstructor(recordHeader, MethodType.methodType(void.class, String.class, byte[].class))
                    .asType(MethodType.methodType(Object.class, String.class, byte[].class));
            newRecord = lookup.findConstructor(producerRecord, MethodType.methodType(void.class, String.class, Integer.class,
                            Long.class, Object.class, Object.class, Iterable.class))
                    .asType(MethodType.methodType(Object.class, String.class, Integer.class, Long.class, Object.class,
                            Object.class, Iterable.class));
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
