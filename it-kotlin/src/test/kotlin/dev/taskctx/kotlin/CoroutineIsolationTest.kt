@file:OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)

package dev.taskctx.kotlin

import dev.taskctx.TaskContext
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.newSingleThreadContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * What a coroutine sets is its own: kept across its own suspensions, never seen by its parent, its
 * siblings, its caller or other coroutines on the same thread, and gone from the thread when it
 * suspends or ends.
 */
class CoroutineIsolationTest : AgentTest() {

    @Test
    fun ownSetSurvivesDelaysAndResumingOnAnotherWorker() {
        val seen = mutableListOf<Any?>()
        val threads = mutableSetOf<Thread>()
        inRequest("r-own") {
            runBlocking(Dispatchers.Default) {
                TaskContext.set(OWN, "mine")
                threads += Thread.currentThread()
                var rounds = 0
                while (threads.size < 2 && rounds++ < 100) {
                    delay(1)
                    threads += Thread.currentThread()
                    seen.addAll(listOf(request(), own()))
                    // A sibling with a value of its own resumes us, then keeps its worker busy:
                    // another worker takes the resumption over.
                    val resume = CompletableDeferred<Unit>()
                    launch {
                        TaskContext.set(OWN, "resumer")
                        resume.complete(Unit)
                        Thread.sleep(20)
                    }
                    resume.await()
                    threads += Thread.currentThread()
                    seen.addAll(listOf(request(), own()))
                }
            }
        }
        assertThat(threads).`as`("the coroutine resumed on another Default worker").hasSizeGreaterThanOrEqualTo(2)
        assertThat(seen.distinct()).containsExactly("r-own", "mine")
    }

    @Test
    fun ownSetSurvivesYieldWhenAnotherWorkerPicksTheCoroutineUpAtOnce() {
        // yield re-dispatches before the suspending run has returned: on a busy IO, another worker
        // may resume the coroutine while the first is still leaving it.
        val mismatches = AtomicInteger()
        runBlocking(Dispatchers.Default) {
            coroutineScope {
                repeat(300) { n ->
                    launch(Dispatchers.IO) {
                        TaskContext.set(OWN, "own-$n")
                        repeat(4) {
                            yield()
                            if (own() != "own-$n") mismatches.incrementAndGet()
                        }
                    }
                }
            }
        }
        assertThat(mismatches.get()).`as`("resumptions after yield that lost the coroutine's own value").isZero()
    }

    @Test
    fun parentDoesNotSeeChildsSetAfterJoin() {
        val seen = runBlocking {
            TaskContext.set(OWN, "parent")
            launch(Dispatchers.Default) { TaskContext.set(OWN, "child") }.join()
            own()
        }
        assertThat(seen).isEqualTo("parent")
    }

    @Test
    fun siblingDoesNotSeeChildsSet() {
        val seen = runBlocking {
            val childHasSet = CompletableDeferred<Unit>()
            launch(Dispatchers.Default) {
                TaskContext.set(OWN, "child")
                childHasSet.complete(Unit)
                delay(20)
            }
            async(Dispatchers.Default) {
                childHasSet.await()
                own()
            }.await()
        }
        assertThat(seen).isNull()
    }

    @Test
    fun callerDoesNotSeeWhatRunBlockingBodySet() {
        val seen = inRequest("r-caller") {
            runBlocking {
                TaskContext.set(REQUEST, "set-by-body")
                TaskContext.set(OWN, "body")
            }
            listOf(request(), own())
        }
        assertThat(seen).containsExactly("r-caller", null)
    }

    @Test
    fun withContextBlocksSetDoesNotLeakBackToCaller() {
        val seen = inRequest("r-caller") {
            runBlocking {
                withContext(Dispatchers.IO) {
                    TaskContext.set(REQUEST, "set-by-block")
                    TaskContext.set(OWN, "block")
                    delay(1)
                }
                listOf(request(), own())
            }
        }
        assertThat(seen).containsExactly("r-caller", null)
    }

    @Test
    fun withContextOnTheSameThreadDoesNotLeakBlocksSetToCaller() {
        // No dispatch: the block runs on the caller's thread, in the caller's frame.
        val seen = inRequest("r-caller") {
            runBlocking {
                withContext(CoroutineName("same-dispatcher")) {
                    TaskContext.set(OWN, "block")
                }
                listOf(request(), own())
            }
        }
        assertThat(seen).containsExactly("r-caller", null)
    }

    /** What the caller sees of [OWN] after [enterScope] ran a body that set it and launched a child that set it. */
    private fun ownAfterScopeBodySetIt(enterScope: suspend (suspend CoroutineScope.() -> Unit) -> Unit): Any? =
        inRequest("r-caller") {
            runBlocking {
                enterScope {
                    TaskContext.set(OWN, "scope-body")
                    launch(Dispatchers.Default) { TaskContext.set(OWN, "scope-child") }
                }
                own()
            }
        }

    @Test
    fun coroutineScopeBodysSetDoesNotReachCaller() {
        assertThat(ownAfterScopeBodySetIt { coroutineScope(it) }).isNull()
    }

    @Test
    fun supervisorScopeBodysSetDoesNotReachCaller() {
        assertThat(ownAfterScopeBodySetIt { supervisorScope(it) }).isNull()
    }

    @Test
    fun unconfinedCoroutinesSetIsGoneFromCreatorsThreadWhenItSuspends() {
        // Unconfined runs the coroutine in the creator's frame up to its first suspension.
        val seen = inRequest("r-creator") {
            val child = GlobalScope.launch(Dispatchers.Unconfined) {
                TaskContext.set(REQUEST, "set-by-child")
                TaskContext.set(OWN, "child")
                delay(1)
            }
            val seenAfterLaunch = listOf(request(), own())
            runBlocking { child.join() }
            seenAfterLaunch
        }
        assertThat(seen).containsExactly("r-creator", null)
    }

    @Test
    fun undispatchedCoroutinesSetIsGoneFromCreatorsThreadWhenItEnds() {
        val seen = inRequest("r-creator") {
            runBlocking {
                launch(start = CoroutineStart.UNDISPATCHED) { TaskContext.set(OWN, "child") }
                own()
            }
        }
        assertThat(seen).isNull()
    }

    @Test
    fun twoRequestsInterleavedOnOneThreadEachSeeOnlyTheirOwnValue() {
        val mismatches = AtomicInteger()
        val resumptions = AtomicInteger()
        val threads = ConcurrentHashMap.newKeySet<Thread>()
        newSingleThreadContext("one-thread").use { oneThread ->
            val scope = CoroutineScope(oneThread)
            val requests = listOf("request-a", "request-b").map { id ->
                inRequest(id) {
                    scope.launch {
                        TaskContext.set(OWN, "$id-own")
                        repeat(600) { i ->
                            if (i % 20 == 0) delay(1) else yield()
                            threads += Thread.currentThread()
                            resumptions.incrementAndGet()
                            if (request() != id || own() != "$id-own") mismatches.incrementAndGet()
                        }
                    }
                }
            }
            runBlocking { requests.joinAll() }
        }
        assertThat(threads).hasSize(1)
        assertThat(resumptions.get()).isEqualTo(1200)
        assertThat(mismatches.get()).`as`("resumptions that saw another request's value").isZero()
    }
}
