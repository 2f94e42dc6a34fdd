@file:OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)

package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import java.util.concurrent.Executors
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.newSingleThreadContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * Many requests at once, each fanning out into coroutines on every kind of dispatcher that delay,
 * yield, hop dispatchers and contend for a mutex at random: no coroutine ever sees another request's
 * value or another coroutine's own value.
 */
class IsolationUnderLoadTest : AgentTest() {

    @Test
    fun concurrentRequestsFanningOutIntoCoroutinesNeverSeeEachOthersValues() {
        val requests = 32
        val coroutinesPerRequest = 300
        val mismatches = AtomicInteger()
        val checks = AtomicInteger()
        val pool = Executors.newFixedThreadPool(3)
        newSingleThreadContext("load-single").use { single ->
            val dispatchers: List<CoroutineDispatcher> =
                listOf(Dispatchers.Default, Dispatchers.IO, Dispatchers.Unconfined, pool.asCoroutineDispatcher(), single)
            val mutex = Mutex()
            val scope = CoroutineScope(SupervisorJob())
            val started = System.nanoTime()
            try {
                val roots = (0 until requests).map { r ->
                    val id = "request-$r"
                    inRequest(id) {
                        scope.launch(dispatchers[r % dispatchers.size]) {
                            coroutineScope {
                                repeat(coroutinesPerRequest) { c ->
                                    launch(dispatchers.random()) {
                                        val own = "$id-coroutine-$c"
                                        TaskContext.set(OWN, own)
                                        repeat(4) {
                                            when (ThreadLocalRandom.current().nextInt(5)) {
                                                0 -> delay(ThreadLocalRandom.current().nextLong(3))
                                                1 -> yield()
                                                2 -> withContext(dispatchers.random()) {
                                                    if (request() != id || own() != own) mismatches.incrementAndGet()
                                                    delay(1)
                                                }
                                                3 -> mutex.withLock { yield() }
                                                else -> Unit
                                            }
                                            checks.incrementAndGet()
                                            if (request() != id || own() != own) mismatches.incrementAndGet()
                                        }
                                    }
                                }
                            }
                            if (request() != id || own() != null) mismatches.incrementAndGet()
                        }
                    }
                }
                runBlocking { roots.joinAll() }
            } finally {
                scope.cancel()
                pool.shutdownNow()
                pool.awaitTermination(10, TimeUnit.SECONDS)
            }
            println("it-kotlin load: $requests requests x $coroutinesPerRequest coroutines, ${checks.get()} checks in " +
                    "${TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)} ms")
        }
        assertThat(checks.get()).isEqualTo(requests * coroutinesPerRequest * 4)
        assertThat(mismatches.get()).`as`("checks that saw another request's or another coroutine's value").isZero()
    }

    /**
     * A sanity check, not a benchmark (JMH lives in bench/): a coroutine that carries a context of
     * ten keys switches about as fast as one with an empty context.
     */
    @Test
    fun switchingCoroutinesThatCarryAContextStaysCheap() {
        newSingleThreadContext("switch-single").use { single ->
            fun millisFor(keys: Int): Long {
                repeat(keys) { TaskContext.set("key-$it", "value-$it") }
                try {
                    val started = System.nanoTime()
                    runBlocking {
                        (0 until 4).map { launch(single) { repeat(25_000) { yield() } } }.joinAll()
                    }
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                } finally {
                    TaskContext.clear()
                }
            }
            millisFor(10)
            millisFor(0)
            val empty = millisFor(0)
            val tenKeys = millisFor(10)
            println("it-kotlin switches: 100000 yields, empty context $empty ms, ten keys $tenKeys ms")
            assertThat(tenKeys).`as`("ms for 100000 yields with ten keys (empty context: $empty ms)")
                .isLessThan(maxOf(10 * empty, 2000))
        }
    }
}
