"""fn_invoker.threads: the pool that runs sync handle() calls off the loop, in-process."""

import asyncio
import contextvars
import os
import threading
import time

import pytest

from fn_invoker.threads import Threads

request_id = contextvars.ContextVar("request_id")


def test_calls_that_block_run_side_by_side_up_to_the_pool_size():
    async def main():
        threads = Threads(4)
        started = time.monotonic()
        results = await asyncio.gather(*(threads.run(lambda i=i: (time.sleep(0.3), i)[1]) for i in range(8)))
        threads.close()
        return results, time.monotonic() - started

    results, took = asyncio.run(main())
    assert results == list(range(8))
    assert 0.55 < took < 1.2, f"8 calls of 0.3 s on 4 threads took {took:.2f}s"


def test_every_one_of_many_quick_calls_is_answered_with_its_own_result():
    async def main():
        threads = Threads(8)
        results = []
        for _ in range(20):  # bursts, as requests come: some find a free worker, some wake one
            results += await asyncio.gather(*(threads.run(lambda i=i: i * 2) for i in range(250)))
            await asyncio.sleep(0)
        threads.close()
        return results

    assert asyncio.run(main()) == [i * 2 for i in range(250)] * 20


def test_an_exception_reaches_the_caller_and_context_variables_are_the_callers():
    def handle():
        if request_id.get() == "bad":
            raise ValueError("bad request")
        return request_id.get(), threading.current_thread() is not threading.main_thread()

    async def call(value):
        request_id.set(value)
        return await threads.run(handle)

    threads = Threads(2)

    async def main():
        assert await call("a") == ("a", True)
        with pytest.raises(ValueError, match="bad request"):
            await call("bad")
        with pytest.raises(RuntimeError, match="SystemExit"):
            await threads.run(lambda: exec("raise SystemExit(3)"))
        assert await call("b") == ("b", True)  # the workers are still there

    asyncio.run(main())
    threads.close()


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")
def test_workers_are_batch_threads_so_waking_one_does_not_preempt_the_loop():
    async def main():
        threads = Threads(1)
        policy = await threads.run(lambda: os.sched_getscheduler(0))
        threads.close()
        return policy

    assert asyncio.run(main()) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) != os.SCHED_BATCH  # the loop's own thread is left as it was


def test_a_call_running_when_the_pool_closes_still_answers():
    async def main():
        threads = Threads(1)
        running = threads.run(lambda: (time.sleep(0.3), "finished")[1])
        await asyncio.sleep(0.1)
        threads.close()  # as the server does once it stopped: results still to come reach the loop
        return await asyncio.wait_for(running, 5)

    assert asyncio.run(main()) == "finished"
