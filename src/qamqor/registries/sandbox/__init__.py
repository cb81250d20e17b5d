"""The sandbox: a synthetic population and adapters that answer every registry interface from it.

`current_population()` is the shared population of this process: the file `<data dir>/sandbox-<seed>.npz`
(made by `qamqor sandbox generate`), loaded lazily once; if the file is missing a small one is
generated and saved. Tests install their own with `use_population()`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from qamqor.registries.sandbox.population import Population, generate

SEED_ENV = "QAMQOR_SANDBOX_SEED"
DEFAULT_SEED = 1
DEFAULT_PEOPLE = 20_000  # made on first use when no file exists

_lock = threading.Lock()
_current: Population | None = None


CURRENT_SEED_FILE = "sandbox-seed"  # written by `qamqor sandbox generate`: the population in use


def _resolve_data_dir(data_dir: Path | None) -> Path:
    if data_dir is None:
        from qamqor.project.paths import data_dir as _data_dir

        data_dir = _data_dir()
    return Path(data_dir)


def default_seed(data_dir: Path | None = None) -> int:
    """QAMQOR_SANDBOX_SEED, else the seed last generated into the data folder, else 1."""
    if SEED_ENV in os.environ:
        return int(os.environ[SEED_ENV])
    try:
        return int((_resolve_data_dir(data_dir) / CURRENT_SEED_FILE).read_text().strip())
    except (OSError, ValueError):
        return DEFAULT_SEED


def mark_current(seed: int, data_dir: Path | None = None) -> None:
    """Make `seed` the population the registries, `sandbox token` and `sandbox sample` use."""
    (_resolve_data_dir(data_dir) / CURRENT_SEED_FILE).write_text(f"{seed}\n")


def population_path(seed: int | None = None, data_dir: Path | None = None) -> Path:
    """`<data dir>/sandbox-<seed>.npz` (the data dir: QAMQOR_DATA_DIR or the per-user data folder)."""
    data_dir = _resolve_data_dir(data_dir)
    return data_dir / f"sandbox-{default_seed(data_dir) if seed is None else seed}.npz"


def current_population() -> Population:
    """The process's sandbox population (loaded or made once)."""
    global _current
    if _current is not None:
        return _current
    with _lock:
        if _current is None:
            path = population_path()
            if path.exists():
                _current = Population.load(path)
            else:
                pop = generate(DEFAULT_PEOPLE, default_seed())
                try:
                    pop.save(path)
                except OSError:  # a read-only data folder: keep it in memory
                    pass
                _current = pop
    return _current


def use_population(pop: Population | None) -> None:
    """Install a population for this process (tests, the CLI); None forgets it (reload on next use)."""
    global _current
    with _lock:
        _current = pop


__all__ = ["Population", "generate", "current_population", "population_path", "use_population"]
