"""The loader refuses a `home_visit:` that the format forbids: an unknown request channel, an intake
channel the version does not offer, an interpretation without its note, an unknown eligibility
source, a missing citation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qamqor.catalog.loader import DEFINITIONS_DIR, CatalogError, load_service

SLUG = "parent-meeting-permission"


def _with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((DEFINITIONS_DIR / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    change(data["versions"][0]["home_visit"])
    path = tmp_path / f"{SLUG}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_definition_loads(tmp_path):
    service = load_service(_with(tmp_path, lambda h: None))
    assert service.versions[0].home_visit.citation.clause == "§13"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda h: h.update(request_channels=["letter"]), "request channels must be among"),
        (lambda h: h.update(intake_channel="portal"), "is not a channel of the version"),
        (lambda h: h.pop("note"), "needs a note"),
        (lambda h: h.update(eligibility_sources=["rumour"]), "eligibility sources must be among"),
        (lambda h: h.update(eligibility_certainty="likely"), "exact or interpretation"),
        (lambda h: h.pop("citation"), "missing key(s) ['citation']"),
    ],
)
def test_rejections(tmp_path, change, message):
    with pytest.raises(CatalogError) as exc:
        load_service(_with(tmp_path, change))
    assert message in str(exc.value)
    assert "home_visit" in str(exc.value)
