package dev.taskctx.bench

import java.util.concurrent.ExecutorService
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

/** Coroutine work that the Java benchmarks ([CoroutineBenchmarks]) call; JMH's generator reads Java only. */
object CoroutineWork {

    @JvmStatic
    fun dispatcher(executor: ExecutorService): CoroutineDispatcher = executor.asCoroutineDispatcher()

    /** One coroutine on [dispatcher] that suspends and resumes [count] times (`yield()`), run to completion. */
    @JvmStatic
    fun yields(dispatcher: CoroutineDispatcher, count: Int) {
        runBlocking(dispatcher) {
            repeat(count) { yield() }
        }
    }

    /** [count] times: launch a no-op child coroutine on [dispatcher] and join it (the parent suspends until it ends). */
    @JvmStatic
    fun launchJoins(dispatcher: CoroutineDispatcher, count: Int) {
        runBlocking(dispatcher) {
            repeat(count) { launch { }.join() }
        }
    }

    /** Runs [probe] in a coroutine on [dispatcher] after it suspended and resumed once. */
    @JvmStatic
    fun afterYield(dispatcher: CoroutineDispatcher, probe: Runnable) {
        runBlocking(dispatcher) {
            yield()
            probe.run()
        }
    }

    /** Runs [probe] in a child coroutine launched on [dispatcher], after it suspended and resumed once. */
    @JvmStatic
    fun inLaunchedChild(dispatcher: CoroutineDispatcher, probe: Runnable) {
        runBlocking(dispatcher) {
            launch {
                yield()
                probe.run()
            }.join()
        }
    }
}
