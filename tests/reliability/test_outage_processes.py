"""The outage switch crosses processes (decision 0030): `qamqor sandbox outage` run in one process
makes the sandbox registry and the SMS gateway refuse in another (as in a web server or a worker),
until the moment it names; then they answer. Real processes on a SQLite file (the embedded set-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from helpers import stop

pytestmark = pytest.mark.slow

CLI = "import sys; from qamqor.cli import main; sys.exit(main(sys.argv[1:]))"
SECONDS = 12

# A second process: waits until the switch appears, asks the registry and the gateway, waits for the
# moment of return, asks again; prints what each answer was.
PROBE = r"""
import datetime as dt, json, sys, time
import django
django.setup()
from django.utils import timezone
from qamqor.notifications.channels import DeliveryFailed, Outgoing, SandboxGateway
from qamqor.notifications.models import SandboxSwitch
from qamqor.registries import services
from qamqor.registries.models import SandboxOutage
from qamqor.registries.sandbox import generate, use_population
from qamqor.registries.types import RegistryError

pop = generate(300, 3)
use_population(pop)
iin = pop.iin_of(5)
consent = services.give_consent(recipient_iin=iin, at=timezone.now() - dt.timedelta(minutes=1))
print("ready", flush=True)

def ask(n):
    out = {}
    try:
        services.query_registry("population", "identity", iin, actor=None, case=None, purpose="probe",
                                consent=consent, defer=False)
        out["registry"] = "answered"
    except RegistryError as exc:
        out["registry"] = "refused: " + str(exc)
    try:
        SandboxGateway().send(Outgoing("sms", "+77011234567", "s", "b", f"probe-{n}", timezone.now()))
        out["sms"] = "sent"
    except DeliveryFailed as exc:
        out["sms"] = "refused: " + str(exc)
    return out

deadline = time.monotonic() + 120
while not (SandboxOutage.objects.exists() and SandboxSwitch.objects.filter(down_until__isnull=False).exists()):
    if time.monotonic() > deadline:
        sys.exit("the switch never appeared")
    time.sleep(0.1)
until = SandboxOutage.objects.get(registry="population").until
down = ask(1)
time.sleep(max(0.0, (until - timezone.now()).total_seconds()) + 1.0)
back = ask(2)
print(json.dumps({"down": down, "back": back}), flush=True)
"""


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_") and k != "DATABASE_URL"}
    env.update(
        QAMQOR_DATA_DIR=str(tmp_path), QAMQOR_MODE="demo", DJANGO_SETTINGS_MODULE="qamqor.project.settings"
    )
    return env


def test_the_cli_s_outage_makes_another_process_refuse_until_the_moment_it_names(tmp_path):
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "-c", CLI, "manage", "migrate", "-v", "0"], env=env, check=True, timeout=300
    )
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert probe.stdout.readline().strip() == "ready"
        set_at = time.monotonic()
        said = subprocess.run(
            [
                *(sys.executable, "-c", CLI, "sandbox", "outage"),
                *("--registry", "population", "--sms", "--for", str(SECONDS)),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert said.returncode == 0, said.stderr
        assert "registry population" in said.stdout and "sms gateway" in said.stdout
        out, err = probe.communicate(timeout=SECONDS + 120)
    finally:
        stop(probe)
    assert probe.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["down"]["registry"].startswith("refused") and "sandbox outage" in result["down"]["registry"]
    assert result["down"]["sms"].startswith("refused")
    assert result["back"] == {"registry": "answered", "sms": "sent"}
    assert time.monotonic() - set_at >= SECONDS - 5  # the answers came back only after the moment named


def test_the_cli_refuses_what_it_cannot_switch(tmp_path):
    env = _env(tmp_path)
    for args, says in (
        (["--registry", "land_registry", "--for", "5"], "unknown registry 'land_registry'"),
        (["--for", "5"], "name what goes down"),
        (["--sms", "--for", "-3"], "--for must be between 0 and 604800"),
        (["--sms", "--for", "soon"], "not a number of seconds"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", CLI, "sandbox", "outage", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 2 and says in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
