"""pyHanko's synchronous calls run `asyncio.run`: a document is still signed and verified from a
thread that already runs an event loop (an ASGI server, a browser-driving test, the demo loaded there)."""

import asyncio

from qamqor.documents.signing import outside_event_loop


def test_a_synchronous_pyhanko_call_works_inside_a_running_event_loop():
    def needs_its_own_loop(x):
        return asyncio.run(asyncio.sleep(0, result=x * 2))

    async def main():
        return outside_event_loop(needs_its_own_loop, 21)

    assert asyncio.run(main()) == 42
    assert outside_event_loop(needs_its_own_loop, 1) == 2  # no loop: called directly
