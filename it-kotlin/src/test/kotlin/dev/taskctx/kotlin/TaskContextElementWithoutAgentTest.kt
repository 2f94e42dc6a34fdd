package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test

/** The README's explicit recipe, [TaskContextElement], in a JVM without the agent. */
@Tag("noagent")
class TaskContextElementWithoutAgentTest {

    @BeforeEach
    fun agentIsAbsent() {
        assertThat(TaskContext.agentActive()).`as`("these tests run without the agent").isFalse()
        TaskContext.clear()
    }

    @AfterEach
    fun clearContext() {
        TaskContext.clear()
    }

    private fun threadContextOfDefaultWorkers(): Set<Any> =
        (0 until 20).map {
            CompletableFuture.supplyAsync({ TaskContext.asMap().values.toSet() }, Dispatchers.Default.asExecutor())
        }.flatMap { it.get(10, TimeUnit.SECONDS) }.toSet()

    @Test
    fun withoutTheElementCoroutinesSeeNothing() {
        val seen = inRequest("r-plain") { runBlocking { withContext(Dispatchers.Default) { request() } } }
        assertThat(seen).isNull()
    }

    @Test
    fun elementCarriesCreatorsValueAcrossDelaysOnDefault() {
        val seen = inRequest("r-element") {
            runBlocking(TaskContextElement()) {
                (0 until 8).map {
                    async(Dispatchers.Default) {
                        delay(1)
                        yield()
                        request()
                    }
                }.awaitAll()
            }
        }
        assertThat(seen).containsOnly("r-element")
    }

    @Test
    fun valueSetInsideCarriesOnInANewElement() {
        val seen = runBlocking(Dispatchers.Default + TaskContextElement()) {
            TaskContext.set(OWN, "set-inside")
            withContext(TaskContextElement()) {
                yield()
                own()
            }
        }
        assertThat(seen).isEqualTo("set-inside")
    }

    @Test
    fun valueSetInsideIsGoneAfterTheNextSuspension() {
        val seen = runBlocking(Dispatchers.Default + TaskContextElement()) {
            TaskContext.set(OWN, "set-inside")
            // yield always suspends on Default; a delay that has elapsed before the coroutine
            // suspends does not suspend it at all.
            yield()
            own()
        }
        assertThat(seen).isNull()
    }

    @Test
    fun workersKeepNothingOnceTheCoroutinesSuspendOrEnd() {
        inRequest("r-element") {
            runBlocking(TaskContextElement()) {
                repeat(20) {
                    launch(Dispatchers.Default) {
                        TaskContext.set(OWN, "own")
                        delay(1)
                    }
                }
            }
        }
        assertThat(threadContextOfDefaultWorkers()).isEmpty()
    }
}
