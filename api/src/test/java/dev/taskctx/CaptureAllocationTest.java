package dev.taskctx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.internal.AgentHooks;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cost rule for carried thread-locals: with nothing registered, or with registered thread-locals
 * that hold no value, a hand-off of an empty context allocates nothing; with a value present it
 * allocates a snapshot and one array, not a copy per key.
 */
class CaptureAllocationTest {

    private static final int HAND_OFFS = 100_000;
    private static final ThreadLocal<String> TENANT = TenantThreadLocal.TENANT;
    private static final CarriedThreadLocal<String> TENANT_ACCESSOR = TenantThreadLocal.ACCESSOR;
    private static final Runnable TASK = () -> { };

    @AfterEach
    void clean() {
        TaskContext.unregister(TENANT_ACCESSOR);
        TENANT.remove();
        TaskContext.clear();
    }

    private static long bytesPerHandOff() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int warmUp = 0; warmUp < 3; warmUp++) {
            handOffs(HAND_OFFS);
        }
        long before = threads.getThreadAllocatedBytes(id);
        handOffs(HAND_OFFS);
        return (threads.getThreadAllocatedBytes(id) - before) / HAND_OFFS;
    }

    private static void handOffs(int count) {
        for (int i = 0; i < count; i++) {
            AgentHooks.forkJoinPush(TASK);
            AgentHooks.handOffDone(TASK, null);
        }
    }

    @Test
    void emptyHandOffWithNothingRegisteredAllocatesNothing() {
        assertThat(bytesPerHandOff()).isZero();
    }

    @Test
    void emptyHandOffWithRegisteredButAbsentThreadLocalAllocatesNothing() {
        TaskContext.register(TENANT_ACCESSOR);
        assertThat(bytesPerHandOff()).isZero();
    }

    @Test
    void captureWithAThreadLocalValueAllocatesOneSnapshotAndOneArray() {
        TaskContext.register(TENANT_ACCESSOR);
        TENANT.set("tenant-a");
        for (int i = 0; i < 10; i++) {
            TaskContext.set("key-" + i, i);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int warmUp = 0; warmUp < 3 * HAND_OFFS; warmUp++) {
            TaskContext.capture();
        }
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < HAND_OFFS; i++) {
            TaskContext.capture();
        }
        long perCapture = (threads.getThreadAllocatedBytes(id) - before) / HAND_OFFS;
        // A snapshot (4 fields) and a one-element array: 24 + 24 bytes with compressed oops, whatever the keys.
        assertThat(perCapture).isLessThanOrEqualTo(64);
    }
}
