"""`qamqor sandbox generate | sample | token` on a fresh data folder, as the README shows them."""

import json
import os
import subprocess
import sys

import pytest


def qamqor(data_dir, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QAMQOR_SANDBOX_SEED")}
    env["QAMQOR_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "qamqor", "sandbox", *args], env=env, capture_output=True, text=True, timeout=240
    )


@pytest.mark.slow
def test_generate_then_sample_and_token_use_that_population(tmp_path):
    gen = qamqor(tmp_path, "generate", "--people", "20000", "--seed", "7", "--load-databank", "--no-progress")
    assert gen.returncode == 0, gen.stderr
    assert "sandbox-7.npz" in gen.stdout and "placements recorded" in gen.stdout

    sample = qamqor(tmp_path, "sample", "--role", "guardian", "--json")  # no --seed: the one generated
    assert sample.returncode == 0, sample.stderr
    person = json.loads(sample.stdout)
    assert len(person["iin"]) == 12 and len(person["child_iin"]) == 12

    token = qamqor(tmp_path, "token", "--iin", person["iin"])
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.strip()) == 40

    stranger = qamqor(tmp_path, "token", "--iin", "850808310738")  # valid IIN, not in this population
    assert stranger.returncode == 2 and "no sandbox person" in stranger.stderr and "Traceback" not in stranger.stderr
