@file:OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)

package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.newSingleThreadContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test

/**
 * Dispatcher threads are infrastructure: Default/IO workers and kotlinx's DefaultExecutor (the timer
 * thread behind delay) start empty whoever creates them, and a finished request's values become
 * garbage while the dispatchers live on. Runs after every other class, on the threads they used.
 */
@Order(Int.MAX_VALUE)
class DispatcherThreadsKeepNothingTest : AgentTest() {

    private companion object {
        const val DEFAULT_EXECUTOR = "kotlinx.coroutines.DefaultExecutor"

        fun threadsNamed(prefix: String): List<Thread> =
            Thread.getAllStackTraces().keys.filter { it.name.startsWith(prefix) && it.isAlive }

        fun workers() = threadsNamed("DefaultDispatcher-worker-")

        /**
         * The context of the DefaultExecutor thread itself, outside any coroutine: a timeout callback
         * runs there directly. DefaultExecutor is internal to kotlinx, hence the reflection.
         */
        @OptIn(InternalCoroutinesApi::class)
        fun seenOnDefaultExecutor(): Set<Any?> {
            val timer = Class.forName("kotlinx.coroutines.DefaultExecutor").getField("INSTANCE").get(null) as Delay
            val seen = CompletableFuture<Pair<String, Set<Any?>>>()
            timer.invokeOnTimeout(1, Runnable {
                seen.complete(Thread.currentThread().name to TaskContext.asMap().values.toSet())
            }, EmptyCoroutineContext)
            val (thread, values) = seen.get(10, TimeUnit.SECONDS)
            assertThat(thread).startsWith(DEFAULT_EXECUTOR)
            return values
        }

        /**
         * Dispatchers.IO runs at most this many coroutines at once: kotlinx.coroutines.io.parallelism in
         * the module's surefire runs, twice the default, so that this test, run last, can still grow IO.
         */
        const val IO_PARALLELISM = 128

        /** Runs [count] coroutines on IO at once, each blocking until all run: IO grows to [count] threads. */
        fun blockOnIoAtOnce(count: Int, each: () -> Unit = {}) = runBlocking {
            require(count <= IO_PARALLELISM) { "IO runs at most $IO_PARALLELISM coroutines at once" }
            val allRunning = CountDownLatch(count)
            (0 until count).map {
                async(Dispatchers.IO) {
                    each()
                    allRunning.countDown()
                    assertThat(allRunning.await(10, TimeUnit.SECONDS)).`as`("$count IO coroutines at once").isTrue()
                }
            }.awaitAll()
        }

        /**
         * What [probes] plain Runnables, handed straight to [dispatcher] (no coroutine, no executor)
         * from an empty context, see: the worker threads' own context.
         */
        fun runnableProbe(dispatcher: CoroutineDispatcher, probes: Int = 200): Set<Any?> =
            (0 until probes).map {
                val seen = CompletableFuture<Set<Any?>>()
                dispatcher.dispatch(EmptyCoroutineContext, Runnable { seen.complete(TaskContext.asMap().values.toSet()) })
                seen
            }.flatMap { it.get(10, TimeUnit.SECONDS) }.toSet()

        /** What [probes] coroutines created with an empty context see on [dispatcher], at once. */
        fun probe(dispatcher: CoroutineDispatcher, probes: Int = 200): Set<Any?> {
            assertThat(TaskContext.asMap()).isEmpty()
            val scope = CoroutineScope(dispatcher)
            return runBlocking {
                (0 until probes).map {
                    scope.async {
                        val seen = TaskContext.asMap().values.toSet()
                        yield()
                        seen + TaskContext.asMap().values
                    }
                }.awaitAll().flatten().toSet()
            }
        }
    }

    @Test
    fun defaultAndIoWorkersCreatedInsideARequestGiveProbesNothing() {
        val before = workers().toSet()
        assertThat(before.size + 6).`as`("workers so far leave room to grow").isLessThanOrEqualTo(IO_PARALLELISM)
        inRequest("r-grower") { blockOnIoAtOnce(before.size + 6) }
        val after = workers()
        assertThat(after - before).`as`("workers the request started").hasSizeGreaterThanOrEqualTo(6)
        val seenOnIo = ConcurrentHashMap.newKeySet<Any>()
        // As many probes at once as there are workers: each worker, the request's new ones too, runs one.
        blockOnIoAtOnce(minOf(after.size, IO_PARALLELISM)) { seenOnIo.addAll(TaskContext.asMap().values) }
        assertThat(seenOnIo).`as`("values seen by IO probes on every worker").isEmpty()
        assertThat(probe(Dispatchers.IO)).`as`("values seen by IO probes").isEmpty()
        assertThat(probe(Dispatchers.Default)).`as`("values seen by Default probes").isEmpty()
        assertThat(runnableProbe(Dispatchers.Default)).`as`("values seen by plain Runnables on Default").isEmpty()
        assertThat(runnableProbe(Dispatchers.IO)).`as`("values seen by plain Runnables on IO").isEmpty()
    }

    @Test
    fun requestsValueIsCollectedWhileDispatchersLiveOn() {
        val pool = Executors.newFixedThreadPool(2)
        val poolDispatcher = pool.asCoroutineDispatcher()
        var single: ExecutorCoroutineDispatcher? = null
        try {
            val payload = requestHoldingPayload("r-payload") {
                // Dispatchers created inside the request live on after it.
                single = newSingleThreadContext("created-in-request")
                val channel = Channel<Int>(Channel.RENDEZVOUS)
                val mutex = Mutex()
                runBlocking {
                    launch(Dispatchers.Default) { repeat(3) { delay(1); yield() } }
                    launch(Dispatchers.IO) { mutex.withLock { delay(2) } }
                    launch(Dispatchers.Unconfined) { delay(1); channel.send(1) }
                    launch(poolDispatcher) { channel.receive(); mutex.withLock { yield() } }
                    launch(single) { withContext(Dispatchers.IO) { delay(1) } }
                }
                blockOnIoAtOnce(minOf(workers().size + 2, IO_PARALLELISM))
            }
            assertCollected(payload, "the request's 1 MB value")
            assertThat(probe(single!!)).isEmpty()
            assertThat(probe(poolDispatcher)).isEmpty()
            assertThat(probe(Dispatchers.Default)).isEmpty()
        } finally {
            single?.close()
            pool.shutdownNow()
        }
    }

    @Test
    fun defaultExecutorCreatedInsideARequestKeepsNothing() {
        // DefaultExecutor ends after 1 s without delayed work; the request below must start a new one.
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5)
        while (threadsNamed(DEFAULT_EXECUTOR).isNotEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50)
        }
        assertThat(threadsNamed(DEFAULT_EXECUTOR)).`as`("an idle DefaultExecutor has ended").isEmpty()
        lateinit var timerThread: Thread
        val payload = requestHoldingPayload("r-timer") {
            // The first delay starts the thread; whichever thread then resumes the coroutine.
            runBlocking { withContext(Dispatchers.Unconfined) { delay(1) } }
            timerThread = threadsNamed(DEFAULT_EXECUTOR).single()
        }
        // Pending delayed work, scheduled with an empty context, keeps that thread alive meanwhile.
        val keepAlive = GlobalScope.launch(Dispatchers.Unconfined) { delay(60_000) }
        try {
            assertCollected(payload, "the value of the request that started DefaultExecutor")
            assertThat(timerThread.isAlive).`as`("DefaultExecutor lived on").isTrue()
            assertThat(seenOnDefaultExecutor()).`as`("what the timer thread itself holds").isEmpty()
        } finally {
            keepAlive.cancel()
        }
    }
}
