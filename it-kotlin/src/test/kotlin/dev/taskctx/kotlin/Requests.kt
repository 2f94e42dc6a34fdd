package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import java.lang.ref.WeakReference
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach

const val REQUEST = "request_id"

/** What a coroutine sets for itself; never seen by any other coroutine. */
const val OWN = "own"

fun request(): Any? = TaskContext.get(REQUEST)

fun own(): Any? = TaskContext.get(OWN)

/**
 * Runs [block] on the calling thread in a request whose context holds `request_id` = [id], as a
 * server thread would; the thread's context is empty again afterwards.
 */
inline fun <T> inRequest(id: String, block: () -> T): T {
    TaskContext.set(REQUEST, id)
    try {
        return block()
    } finally {
        TaskContext.clear()
    }
}

/**
 * Runs [body] on the calling thread in request [id], whose context also holds a 1 MB value under
 * [OWN], and returns a weak reference to that value. Not inline: an inline function's locals would
 * stay in the caller's frame, and an interpreted frame keeps even a dead local reachable.
 */
fun requestHoldingPayload(id: String, body: () -> Unit): WeakReference<ByteArray> {
    val payload = ByteArray(1 shl 20)
    inRequest(id) {
        TaskContext.set(OWN, payload)
        body()
    }
    return WeakReference(payload)
}

/** Every test with the agent starts and ends on a thread whose context is empty. */
abstract class AgentTest {
    @BeforeEach
    fun agentIsActive() {
        assertThat(TaskContext.agentActive()).`as`("these tests run with -javaagent:taskctx.jar").isTrue()
        TaskContext.clear()
    }

    @AfterEach
    fun clearContext() {
        TaskContext.clear()
    }
}

/** Polls with System.gc() until [reference] is cleared; a value still reachable fails after [seconds]. */
fun assertCollected(reference: WeakReference<*>, what: String, seconds: Long = 10) {
    val deadline = System.nanoTime() + seconds * 1_000_000_000
    while (reference.get() != null) {
        if (System.nanoTime() > deadline) {
            throw AssertionError("$what is still reachable after $seconds s of System.gc()")
        }
        System.gc()
        Thread.sleep(50)
    }
}
