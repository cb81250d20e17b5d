"""The loader rejects what the catalogue format forbids, naming the place."""

import shutil
from pathlib import Path

import pytest
import yaml

from qamqor.catalog.loader import CatalogError, load_catalog_from, load_service

from .conftest import FIXTURE


def _mutate(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((FIXTURE / "definitions" / "demo-service.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "demo-service.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_fixture_loads(demo_catalog):
    svc = demo_catalog.service("demo-service")
    assert [v.id for v in svc.versions] == ["v1", "v2"]
    assert svc.versions[1].step("completeness_check").value == 1


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d["versions"][1]["grounds"][0].pop("citation"), "missing key(s) ['citation']"),
        (lambda d: d["versions"][1]["grounds"][1]["unless"][0].pop("citation"), "missing key(s) ['citation']"),
        (lambda d: d["versions"][1]["steps"][0].pop("citation"), "missing key(s) ['citation']"),
        (lambda d: d["versions"][1]["term"].pop("citation"), "missing key(s) ['citation']"),
        (lambda d: d["versions"][1]["obligations"][0].pop("citation"), "missing key(s) ['citation']"),
        (lambda d: d["versions"][1]["grounds"][0]["citation"].update(clause=""), "non-empty source and clause"),
        (lambda d: d["versions"][1]["grounds"][0].update(colour="red"), "unknown key(s) ['colour']"),
        (lambda d: d.update(owner="me"), "unknown key(s) ['owner']"),
        (lambda d: d["versions"][0].update(in_force_until="2025-02-01"), "version windows overlap"),
        (lambda d: d["versions"][1]["grounds"][1].update(item=1), "ground item number is used twice"),
        (lambda d: d["versions"][1]["grounds"][0].update(when={"frob": 1}), "bad expression"),
        (lambda d: d["versions"][1]["grounds"][0]["text"].pop("ru"), "missing key(s) ['ru']"),
        (lambda d: d["versions"][1]["channels"][0].update(channel="fax"), "unknown channel"),
        (
            lambda d: d["versions"][1].update(
                schedules={"provider": "night-shift"}, schedules_citation={"source": "test.txt", "clause": "row 7"}
            ),
            "unknown schedule 'night-shift' for channel 'provider'",
        ),
        (lambda d: d["versions"][1]["steps"][0].update(step="nap"), "unknown step"),
        (lambda d: d["versions"][1].pop("term"), "a complete version needs a term"),
        (lambda d: d.update(slug="other"), "differs from the file name"),
    ],
)
def test_rejections(tmp_path, change, message):
    path = _mutate(tmp_path, change)
    with pytest.raises(CatalogError) as exc:
        load_service(path)
    assert message in str(exc.value)
    assert str(exc.value).startswith("demo-service.yaml")


def test_parameter_without_citation_is_rejected(tmp_path):
    (tmp_path / "definitions").mkdir()
    shutil.copy(FIXTURE / "definitions" / "demo-service.yaml", tmp_path / "definitions")
    params = tmp_path / "parameters.yaml"
    params.write_text(
        "mci:\n  unit: KZT\n  name: {kk: АЕК, ru: МРП, en: MCI}\n  values:\n    - {from: 2026-01-01, value: 4325}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="citation"):
        load_catalog_from(tmp_path / "definitions", params)


def test_the_active_catalogue_is_installed_for_the_process_and_put_back(demo_catalog):
    from qamqor.catalog import active_catalog, load_catalog, use_catalog

    shipped = load_catalog()
    assert active_catalog() is shipped
    assert use_catalog(demo_catalog) is None
    try:
        assert active_catalog() is demo_catalog
        assert use_catalog(None) is demo_catalog and active_catalog() is shipped
    finally:
        use_catalog(None)
