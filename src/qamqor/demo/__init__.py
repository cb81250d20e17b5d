"""Demo data: providers, State Corporation offices, users of every role, applications in every stage.

Loaded by `qamqor serve` (unless `--no-demo`) and `qamqor demo-data`; idempotent. Applications are
built through the case domain's service functions, so their events, deadlines and monitoring
records are real. The people are fictional; their IINs are valid (`qamqor.rules.iin.make_iin`).
"""

from qamqor.demo.loader import DEMO_PASSWORD, DEMO_USERS, DemoResult, demo_logins, load_demo_data

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoResult", "demo_logins", "load_demo_data"]
