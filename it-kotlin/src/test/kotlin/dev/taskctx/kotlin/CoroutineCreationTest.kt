@file:OptIn(ExperimentalCoroutinesApi::class)

package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.produce
import kotlinx.coroutines.channels.toList
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test

/** A new coroutine starts with a copy of the context of the code that created it, on whatever thread it runs. */
class CoroutineCreationTest : AgentTest() {

    private val scope = CoroutineScope(SupervisorJob())

    @AfterEach
    fun cancelScope() {
        scope.cancel()
    }

    @Test
    fun launchOnDefaultSeesCreatorsValue() {
        val seen = CompletableDeferred<Any?>()
        inRequest("r-launch") {
            scope.launch(Dispatchers.Default) { seen.complete(request()) }
        }
        assertThat(runBlocking { seen.await() }).isEqualTo("r-launch")
    }

    @Test
    fun asyncOnIoSeesCreatorsValue() {
        val deferred = inRequest("r-async") { scope.async(Dispatchers.IO) { request() } }
        assertThat(runBlocking { deferred.await() }).isEqualTo("r-async")
    }

    @Test
    fun runBlockingBodySeesCallersValue() {
        val seen = inRequest("r-run-blocking") { runBlocking { request() } }
        assertThat(seen).isEqualTo("r-run-blocking")
    }

    @Test
    fun childSeesWhatItsParentSetBeforeLaunchingIt() {
        val seen = runBlocking {
            TaskContext.set("step", "set-before-launch")
            async(Dispatchers.Default) { TaskContext.get("step") }.await()
        }
        assertThat(seen).isEqualTo("set-before-launch")
    }

    @Test
    fun childDoesNotSeeWhatItsParentSetsAfterLaunchingIt() {
        val seen = inRequest("r-before") {
            runBlocking {
                val launched = CompletableDeferred<Unit>()
                val child = async(Dispatchers.Default) {
                    launched.await()
                    request()
                }
                TaskContext.set(REQUEST, "r-after")
                launched.complete(Unit)
                child.await()
            }
        }
        assertThat(seen).isEqualTo("r-before")
    }

    @Test
    fun withContextBlockSeesCallersValue() {
        val seen = inRequest("r-with-context") {
            runBlocking { withContext(Dispatchers.IO) { request() } }
        }
        assertThat(seen).isEqualTo("r-with-context")
    }

    /** What the body that [enterScope] runs, and a child it starts on another dispatcher, see of the caller's request. */
    private fun seenByScopeBodyAndChild(enterScope: suspend (suspend CoroutineScope.() -> List<Any?>) -> List<Any?>) =
        inRequest("r-scope") {
            runBlocking(Dispatchers.Default) {
                enterScope {
                    val child = async(Dispatchers.IO) {
                        delay(5)
                        request()
                    }
                    listOf(request(), child.await())
                }
            }
        }

    @Test
    fun coroutineScopeBodyAndItsChildrenSeeCallersValue() {
        assertThat(seenByScopeBodyAndChild { coroutineScope(it) }).containsExactly("r-scope", "r-scope")
    }

    @Test
    fun supervisorScopeBodyAndItsChildrenSeeCallersValue() {
        assertThat(seenByScopeBodyAndChild { supervisorScope(it) }).containsExactly("r-scope", "r-scope")
    }

    @Test
    fun flowOnProducerSeesCollectorsValue() {
        val seen = inRequest("r-flow") {
            runBlocking {
                flow {
                    repeat(3) {
                        emit(request())
                        delay(1)
                    }
                }.flowOn(Dispatchers.Default).toList()
            }
        }
        assertThat(seen).containsExactly("r-flow", "r-flow", "r-flow")
    }

    @Test
    fun produceSeesCreatorsValue() {
        val seen = inRequest("r-produce") {
            runBlocking {
                produce(Dispatchers.IO) {
                    repeat(3) {
                        send(request())
                        delay(1)
                    }
                }.toList()
            }
        }
        assertThat(seen).containsExactly("r-produce", "r-produce", "r-produce")
    }
}
