"""The bench server's WSGI entry outside office hours: the provider's counter takes applications
Mon–Fri 9:00–18:30 only (`003` annex 2 row 7), so the server's clock is moved to a working Monday
10:00 in Almaty and ticks from there (time-machine, in each server process). Used by the benches
only (`harness.office_hours_server`); the application is the same `qamqor.project.wsgi:served`.
"""

import datetime as dt
import os
import time
import zoneinfo

import time_machine

MOMENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty"))
# A server restarted by a bench (bench/crash.py) continues the same timeline: the clock is MOMENT plus
# the real time since OFFICE_CLOCK_ORIGIN (the bench's start, seconds since the epoch), never back.
# Only in the server process (harness.office_hours_server sets OFFICE_CLOCK=1 there): the bench that
# imports MOMENT keeps its own clock (bench/crash.py starts two servers; the second saw the first's).
if os.environ.get("OFFICE_CLOCK") == "1":
    _origin = float(os.environ.get("OFFICE_CLOCK_ORIGIN") or time.time())
    time_machine.travel(MOMENT + dt.timedelta(seconds=time.time() - _origin), tick=True).start()

from qamqor.project.wsgi import application, served  # noqa: E402

__all__ = ["application", "served"]
