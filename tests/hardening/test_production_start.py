"""Issue 15: a production start refuses to be unsafe; with its settings, `check --deploy` is clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qamqor.project.production import missing

KEY = "k7Qz!r2Lw9#pX4mV8nB1cD6fG3hJ5sT0yU-aE_iO+lK=wR*qZ&xC^vN%bM@"


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_") and k != "DATABASE_URL"}
    env.update(QAMQOR_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="qamqor.project.settings", **extra)
    return env


def _qamqor(args, env, timeout=60):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from qamqor.cli import main; sys.exit(main(sys.argv[1:]))",
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "args, extra",
    [
        (["serve", "--production", "--no-worker"], {}),
        (["serve", "--no-worker"], {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}),
        (
            ["serve", "--production"],
            {"QAMQOR_SECRET_KEY": "short", "QAMQOR_ALLOWED_HOSTS": "x", "QAMQOR_HTTPS": "direct"},
        ),
    ],
)
def test_a_production_start_without_its_settings_exits_2_with_one_line(tmp_path, args, extra):
    r = _qamqor([*args, "--port", "1"], _env(tmp_path, **extra))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qamqor: production mode refuses to start")
    assert "QAMQOR_SECRET_KEY" in lines[0]
    assert not (tmp_path / "qamqor.sqlite3").exists()  # nothing was created


def test_missing_names_every_setting():
    assert len(missing({})) == 3
    assert (
        missing({"QAMQOR_SECRET_KEY": KEY, "QAMQOR_ALLOWED_HOSTS": "qamqor.example", "QAMQOR_HTTPS": "proxy"})
        == []
    )


def test_a_worker_in_production_mode_without_settings_is_one_line_too(tmp_path):
    r = _qamqor(["worker", "--batch"], _env(tmp_path, QAMQOR_MODE="production"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("https", ["direct", "proxy"])
def test_check_deploy_is_clean_in_production_mode(tmp_path, https):
    env = _env(
        tmp_path,
        QAMQOR_MODE="production",
        QAMQOR_SECRET_KEY=KEY,
        QAMQOR_ALLOWED_HOSTS="qamqor.example.kz",
        QAMQOR_HTTPS=https,
    )
    r = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "WARNINGS" not in r.stdout + r.stderr and "no issues" in r.stdout


def test_check_deploy_warns_in_demo_mode(tmp_path):
    """The check can fail: the demo's development key is reported."""
    r = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "security.W009" in r.stdout + r.stderr


def test_production_refuses_the_sandbox_ca_and_reads_the_keys_from_a_file(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from qamqor.project.production import signing_keys

    good = {"QAMQOR_SECRET_KEY": KEY, "QAMQOR_ALLOWED_HOSTS": "qamqor.example", "QAMQOR_HTTPS": "proxy"}
    assert missing({**good, "QAMQOR_SANDBOX_CA": "1"}) == [
        "the sandbox's test certificate authority cannot sign in production (unset QAMQOR_SANDBOX_CA)"
    ]
    keys = {"astana-education": {"key": "/etc/k.pem", "cert": "/etc/c.pem", "chain": ["/etc/ca.pem"]}}
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keys), encoding="utf-8")
    assert signing_keys(str(path)) == keys and signing_keys(None) == {}
    path.write_text('{"astana-education": {"key": "/etc/k.pem"}}', encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="must map organisation codes"):
        signing_keys(str(path))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        signing_keys(str(tmp_path / "absent.json"))
