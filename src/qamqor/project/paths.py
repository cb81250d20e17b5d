"""Where Qamqor keeps its data: `QAMQOR_DATA_DIR`, else the per-user data folder (platformdirs).

`DATABASE_URL` (PostgreSQL) overrides the SQLite file; the data folder still holds logs and uploads.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "QAMQOR_DATA_DIR"


def data_dir() -> Path:
    """The data folder (not created here)."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("qamqor", appauthor=False))


def sqlite_path() -> Path:
    return data_dir() / "qamqor.sqlite3"


def database_url() -> str | None:
    return os.environ.get("DATABASE_URL") or None
