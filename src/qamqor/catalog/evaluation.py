"""Judge one application: the version in force on its date, its grounds, the decision.

The facts are not checked here (the cases' own documents carry registry values the caller maps):
a caller holding facts from outside checks them first with `facts_schema.validate_facts`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qamqor.catalog.model import Catalog, ServiceVersion
from qamqor.rules.grounds import GroundResult, ObligationResult, decide

# What a recipient is told when a service cannot be applied for (kk / ru / en).
NOT_IN_FORCE = {
    "kk": "Көрсетілген күні бұл мемлекеттік қызмет қолданыста болған жоқ.",
    "ru": "На указанную дату эта государственная услуга не действовала.",
    "en": "This public service was not in force on the given date.",
}
EDITION_NOT_IN_SOURCES = {
    "kk": "Көрсетілген күні бұл мемлекеттік қызмет қолданыста болды, бірақ сол күнгі редакциясының ережелері "
    "жүйедегі құқықтық мәтіндерде жоқ; өтінішті бұл жүйе бойынша бағалау мүмкін емес.",
    "ru": "На указанную дату эта государственная услуга действовала, но правила её редакции на ту дату "
    "отсутствуют в правовых текстах системы; оценить заявление по ним система не может.",
    "en": "This public service existed on the given date, but the rules of the edition then in force are not "
    "in the system's legal texts; the application cannot be judged by them.",
}
INCOMPLETE_SOURCE = {
    "kk": "Бұл қызметтің талаптары құқықтық мәтіндерде толық берілмеген, сондықтан жүйеге толық енгізілмеген; өтініш қабылданбайды.",
    "ru": "Требования этой услуги приведены в правовых текстах не полностью и поэтому не внесены в систему целиком; заявление не принимается.",
    "en": "The legal texts do not give this service's requirements in full, so they are not all in the system; applications are not accepted.",
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    slug: str
    on: dt.date
    version: ServiceVersion | None
    decision: str  # grant | refuse | needs_facts | not_in_force | edition_not_in_sources | incomplete_source
    grounds: tuple[GroundResult, ...]  # the grounds that fire
    all_grounds: tuple[GroundResult, ...]
    missing_facts: tuple[str, ...]
    obligations: tuple[ObligationResult, ...]
    message: dict[str, str] | None = None

    def as_dict(self, *, full: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "slug": self.slug,
            "on": self.on.isoformat(),
            "version": self.version.id if self.version else None,
            "decision": self.decision,
            "grounds": [g.as_dict() for g in self.grounds],
            "missing_facts": list(self.missing_facts),
            "obligations": [o.as_dict() for o in self.obligations],
        }
        if self.message:
            d["message"] = self.message
        if self.version is not None:
            # every reading the decision was taken under where the text allows more than one
            found = [*self.version.interpretations, *(g.interpretation for g in self.version.grounds)]
            d["interpretations"] = [i.as_dict() for i in found if i is not None]
        if full:
            d["all_grounds"] = [g.as_dict() for g in self.all_grounds]
        return d


def evaluate_version(
    catalog: Catalog, version: ServiceVersion, facts: Mapping[str, Any], on: dt.date
) -> Evaluation:
    if version.source_status == "incomplete_source":
        return Evaluation(version.slug, on, version, "incomplete_source", (), (), (), (), INCOMPLETE_SOURCE)
    outcome = decide(version.grounds, version.obligations, facts, on, catalog.params_on(on))
    return Evaluation(
        slug=version.slug,
        on=on,
        version=version,
        decision=outcome.decision,
        grounds=outcome.fired,
        all_grounds=outcome.grounds,
        missing_facts=outcome.missing_facts,
        obligations=outcome.obligations,
    )


def evaluate_service(catalog: Catalog, slug: str, facts: Mapping[str, Any], on: dt.date) -> Evaluation:
    """The decision the law gives for these facts on that date (raises UnknownService)."""
    service = catalog.service(slug)
    version = service.version_on(on)
    if version is None:
        if service.edition_gap_on(on) is not None:
            return Evaluation(
                slug, on, None, "edition_not_in_sources", (), (), (), (), EDITION_NOT_IN_SOURCES
            )
        return Evaluation(slug, on, None, "not_in_force", (), (), (), (), NOT_IN_FORCE)
    return evaluate_version(catalog, version, facts, on)
