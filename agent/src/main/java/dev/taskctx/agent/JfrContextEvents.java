package dev.taskctx.agent;

import dev.taskctx.internal.SpanRecorder;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jdk.jfr.AnnotationElement;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventFactory;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.ValueDescriptor;

/**
 * Option {@code jfr=key1;key2}: records each thread's spans of context holding those TaskContext keys
 * as JFR events {@code taskctx.Context}, one {@code String} field per key. On JDK 25+ the fields are
 * {@code jdk.jfr.Contextual}, so that {@code jfr print} shows them on the thread's other events inside
 * the span (a sleep, a lock, an I/O event); on JDK 17 the events are the same without that annotation.
 * The event type is made at run time ({@link EventFactory}) with the annotation found by name, because
 * the agent is compiled for Java 17. Loaded only when the option is on: {@link Installer} checks first
 * that the JVM has the {@code jdk.jfr} module.
 */
final class JfrContextEvents implements SpanRecorder {

    static final String EVENT_NAME = "taskctx.Context";
    /** Longer values are cut to this many characters: a span carries identifiers, not payloads. */
    static final int MAX_VALUE_LENGTH = 256;
    /** Fields every JFR event has; a key with one of these names gets a trailing underscore. */
    private static final Set<String> IMPLICIT_FIELDS = Set.of("startTime", "duration", "eventThread", "stackTrace");

    private final EventFactory factory;
    private final EventType type;

    private JfrContextEvents(EventFactory factory) {
        this.factory = factory;
        this.type = factory.getEventType();
    }

    /** Makes the event type for {@code keys} and warms its paths up, so that no hook loads a class later. */
    static JfrContextEvents create(List<String> keys) {
        List<AnnotationElement> typeAnnotations = List.of(
                new AnnotationElement(Name.class, EVENT_NAME),
                new AnnotationElement(Label.class, "Task Context"),
                new AnnotationElement(Description.class, "A span of time during which the thread ran with these "
                        + "TaskContext values (taskctx agent option jfr)"),
                new AnnotationElement(Category.class, new String[] {"taskctx"}),
                new AnnotationElement(StackTrace.class, false));
        Class<? extends Annotation> contextual = contextualAnnotation();
        List<ValueDescriptor> fields = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String key : keys) {
            List<AnnotationElement> annotations = new ArrayList<>();
            annotations.add(new AnnotationElement(Label.class, key));
            annotations.add(new AnnotationElement(Description.class, "TaskContext.get(\"" + key + "\"), as a String"));
            if (contextual != null) {
                annotations.add(new AnnotationElement(contextual));
            }
            fields.add(new ValueDescriptor(String.class, fieldName(key, names), annotations));
        }
        JfrContextEvents events = new JfrContextEvents(EventFactory.create(typeAnnotations, fields));
        Object[] values = new Object[keys.size()];
        values[0] = "";
        Event warm = events.newEvent(values);
        warm.begin();
        warm.end();
        warm.shouldCommit();
        return events;
    }

    /** {@code jdk.jfr.Contextual} (JDK 25+), or null. */
    @SuppressWarnings("unchecked")
    private static Class<? extends Annotation> contextualAnnotation() {
        try {
            return (Class<? extends Annotation>) Class.forName("jdk.jfr.Contextual", false, Event.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * {@code key} as a Java identifier, which a JFR field name must be: every other character becomes
     * {@code _}, a leading digit gets a {@code _} before it, and a name taken already (by an earlier key
     * or an implicit field) gets {@code _} after it. The label keeps the key as it is.
     */
    static String fieldName(String key, Set<String> taken) {
        StringBuilder name = new StringBuilder(key.length() + 1);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            name.append(i == 0 ? (Character.isJavaIdentifierStart(c) ? c : Character.isJavaIdentifierPart(c) ? "_" + c : "_")
                    : Character.isJavaIdentifierPart(c) ? c : '_');
        }
        while (IMPLICIT_FIELDS.contains(name.toString()) || !taken.add(name.toString())) {
            name.append('_');
        }
        return name.toString();
    }

    private Event newEvent(Object[] values) {
        Event event = factory.newEvent();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                String value = String.valueOf(values[i]);
                event.set(i, value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) : value);
            }
        }
        return event;
    }

    @Override
    public boolean recording() {
        return type.isEnabled();
    }

    @Override
    public Object begin(Object[] values) {
        if (!type.isEnabled()) {
            return null;
        }
        Event event = newEvent(values);
        event.begin();
        return event;
    }

    @Override
    public void end(Object span) {
        Event event = (Event) span;
        event.end();
        if (event.shouldCommit()) {
            event.commit();
        }
    }
}
