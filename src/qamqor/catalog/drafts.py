"""Drafts of an amendment built from a shipped definition, for trying `qamqor impact --draft`
(tests, `bench/impact.py`, a demonstration): the definition with one more version from a given day
that leaves one refusal ground out. A real draft is written by the ministry; this only builds the
simplest one to measure and test with."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from qamqor.catalog.loader import DEFINITIONS_DIR


def draft_without_ground(slug: str, item: int, folder: Path, *, since: str = "2027-01-01") -> Path:
    """The shipped definition of `slug` plus a version from `since` without ground `item`, written
    to `folder` (a draft file of any name: it is not yet the catalogue's). ValueError when the last
    version has no such ground."""
    src = yaml.safe_load((DEFINITIONS_DIR / f"{slug}.yaml").read_text(encoding="utf-8"))
    last = src["versions"][-1]
    items = [g["item"] for g in last.get("grounds", [])]
    if item not in items:
        raise ValueError(f"{slug} has no ground {item} in its last version (it has {items})")
    new = copy.deepcopy(last)
    last["in_force_until"] = since
    new.update(id=f"draft-{since[:4]}", in_force_from=since)
    new.pop("editions_not_in_sources_before", None)
    new["grounds"] = [g for g in new["grounds"] if g["item"] != item]
    src["versions"].append(new)
    path = folder / f"draft-{slug}.yaml"
    path.write_text(yaml.safe_dump(src, allow_unicode=True), encoding="utf-8")
    return path
