@file:OptIn(DelicateCoroutinesApi::class)

package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.newFixedThreadPoolContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test

/**
 * A coroutine's context is current on every thread it resumes on, whatever resumed it (a timer, a
 * channel sender, a mutex holder, a pool's worker); the thread that resumes it lends it nothing, and
 * gets nothing from it.
 */
class ResumptionTest : AgentTest() {

    private val scope = CoroutineScope(SupervisorJob())

    @AfterEach
    fun cancelScope() {
        scope.cancel()
    }

    /**
     * [count] coroutines on [dispatcher], each created in its own request, each setting its own value
     * and checking both after every delay or yield; returns the number of resumptions that saw
     * anything else.
     */
    private fun mismatchesOfConcurrentRequests(dispatcher: CoroutineDispatcher, count: Int = 16): Int {
        val mismatches = AtomicInteger()
        val jobs = (0 until count).map { n ->
            inRequest("request-$n") {
                scope.launch(dispatcher) {
                    TaskContext.set(OWN, "own-$n")
                    repeat(30) { i ->
                        if (i % 3 == 0) delay(1) else yield()
                        if (request() != "request-$n" || own() != "own-$n") mismatches.incrementAndGet()
                    }
                }
            }
        }
        runBlocking { jobs.joinAll() }
        return mismatches.get()
    }

    @Test
    fun unconfinedCoroutineKeepsItsValuesWhenResumedByTheTimerThread() {
        // On a loaded machine the calling thread can get to the resumption first; the scenario is
        // repeated until the timer thread resumes it, and every attempt must keep the values.
        var resumedElsewhere = false
        for (attempt in 1..10) {
            val seen = inRequest("r-unconfined") {
                scope.async(Dispatchers.Unconfined) {
                    TaskContext.set(OWN, "mine")
                    val before = Thread.currentThread()
                    delay(5)
                    listOf(request(), own(), Thread.currentThread() !== before)
                }
            }
            val (request, own, elsewhere) = runBlocking { seen.await() }
            assertThat(listOf(request, own)).containsExactly("r-unconfined", "mine")
            if (elsewhere == true) {
                resumedElsewhere = true
                break
            }
        }
        assertThat(resumedElsewhere).`as`("resumed by kotlinx's timer thread in one of 10 attempts").isTrue()
    }

    @Test
    fun unconfinedReceiverResumedBySenderSeesItsOwnValueNotTheSenders() {
        val channel = Channel<String>()
        val received = inRequest("r-receiver") {
            scope.async(Dispatchers.Unconfined) {
                channel.receive()
                request()
            }
        }
        // The receiver is suspended in receive(); send() resumes it in the sender's frame.
        inRequest("r-sender") { runBlocking { channel.send("message") } }
        assertThat(runBlocking { received.await() }).isEqualTo("r-receiver")
    }

    @Test
    fun senderDoesNotGetTheValuesOfTheUnconfinedReceiverItResumed() {
        val channel = Channel<String>()
        inRequest("r-receiver") {
            scope.launch(Dispatchers.Unconfined) {
                channel.receive()
                TaskContext.set(OWN, "receiver")
                TaskContext.set(REQUEST, "set-by-receiver")
            }
        }
        val seen = inRequest("r-sender") {
            runBlocking {
                channel.send("message")
                listOf(request(), own())
            }
        }
        assertThat(seen).containsExactly("r-sender", null)
    }

    @Test
    fun channelReceiverOnDefaultSeesItsOwnValueNotTheSenders() {
        val channel = Channel<Int>()
        val received = inRequest("r-receiver") {
            scope.async(Dispatchers.Default) {
                TaskContext.set(OWN, "receiver")
                (1..50).map {
                    channel.receive()
                    listOf(request(), own())
                }.distinct()
            }
        }
        val sender = inRequest("r-sender") {
            scope.launch(Dispatchers.Default) {
                TaskContext.set(OWN, "sender")
                repeat(50) { channel.send(it) }
            }
        }
        runBlocking { sender.join() }
        assertThat(runBlocking { received.await() }).containsExactly(listOf("r-receiver", "receiver"))
    }

    @Test
    fun mutexWaiterResumedByUnlockerSeesItsOwnValue() {
        val mutex = Mutex()
        val holderHasLock = CompletableDeferred<Unit>()
        val waiterIsWaiting = CompletableDeferred<Unit>()
        val holder = inRequest("r-holder") {
            scope.launch(Dispatchers.Default) {
                TaskContext.set(OWN, "holder")
                mutex.withLock {
                    holderHasLock.complete(Unit)
                    waiterIsWaiting.await()
                    delay(20)
                }
            }
        }
        runBlocking { holderHasLock.await() }
        val waiter = inRequest("r-waiter") {
            scope.async(Dispatchers.Default) {
                waiterIsWaiting.complete(Unit)
                mutex.withLock { listOf(request(), own()) }
            }
        }
        runBlocking { holder.join() }
        assertThat(runBlocking { waiter.await() }).containsExactly("r-waiter", null)
    }

    @Test
    fun yieldOnDefaultKeepsEachCoroutinesOwnValue() {
        assertThat(mismatchesOfConcurrentRequests(Dispatchers.Default)).isZero()
    }

    @Test
    fun ioKeepsEachCoroutinesOwnValue() {
        assertThat(mismatchesOfConcurrentRequests(Dispatchers.IO)).isZero()
    }

    @Test
    fun jdkFixedPoolAsDispatcherKeepsEachCoroutinesOwnValue() {
        val pool = Executors.newFixedThreadPool(3)
        try {
            assertThat(mismatchesOfConcurrentRequests(pool.asCoroutineDispatcher())).isZero()
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun fixedThreadPoolContextKeepsEachCoroutinesOwnValue() {
        newFixedThreadPoolContext(3, "fixed-context").use { dispatcher ->
            assertThat(mismatchesOfConcurrentRequests(dispatcher)).isZero()
        }
    }

    @Test
    fun limitedParallelismViewKeepsEachCoroutinesOwnValue() {
        assertThat(mismatchesOfConcurrentRequests(Dispatchers.IO.limitedParallelism(2))).isZero()
    }

    @Test
    fun coroutineStartedLazilyByAnotherRequestSeesItsCreatorsValue() {
        val lazy = inRequest("r-creator") {
            scope.async(Dispatchers.Default, start = CoroutineStart.LAZY) { request() }
        }
        val seen = inRequest("r-starter") { runBlocking { lazy.await() } }
        assertThat(seen).isEqualTo("r-creator")
    }
}
