"""A minimal OpenFisca tax-benefit system for the 15 refusal grounds of guardianship establishment
(001_9090383b8961739a.txt annex 1 row 9) — the baseline of `bench/rules.py`, not part of Qamqor.

Built in code, the way an OpenFisca country package would model it: the application is a group
entity whose members are its convictions (OpenFisca has no list values; one-to-many goes through
entities and `any` over members), the applicant's facts are ETERNITY input variables of the
application, the submission date is an input, and the subsistence minimum is a dated parameter read
per application by selecting among its breakpoints (OpenFisca reads parameters at one instant per
call, not per person).

OpenFisca has no "unknown": an input that is not given is its variable's default (False, 0, the
first enum item), so it can only be compared with Qamqor on complete records.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

ETERNITY = DateUnit.ETERNITY
PERIOD = "ETERNITY"
COMPUTE_PERIOD = "2025"

Conviction = build_entity(
    key="conviction", plural="convictions", label="A conviction or prosecution", is_person=True
)
Application = build_entity(
    key="application",
    plural="applications",
    label="An application for guardianship",
    roles=[{"key": "record", "plural": "records", "label": "Conviction record"}],
)


class LegalCapacity(Enum):
    full = "full"
    incapable = "incapable"
    limited = "limited"


class ParentalRights(Enum):
    deprived = "deprived"
    full = "full"
    limited = "limited"


class Sex(Enum):
    female = "female"
    male = "male"


class Relation(Enum):
    close_relative = "close_relative"
    none = "none"
    relative = "relative"
    stepparent = "stepparent"


class Citizenship(Enum):
    no_citizenship = "none"
    KZ = "KZ"
    RU = "RU"


SERIOUS = (
    "extremism",
    "human_trafficking",
    "intentional_harm_to_health",
    "murder",
    "public_health_morality",
    "sexual_inviolability",
    "terrorism",
)
Category = Enum("Category", {name: name for name in ("intentional", "negligent", *SERIOUS)})


class Kind(Enum):
    conviction = "conviction"
    prosecution = "prosecution"


def _input(name, value_type, entity=Application, possible_values=None, default=None):
    attrs = {"value_type": value_type, "entity": entity, "definition_period": ETERNITY, "label": name}
    if possible_values is not None:
        attrs["possible_values"] = possible_values
        attrs["default_value"] = default if default is not None else list(possible_values)[0]
    return type(name, (Variable,), attrs)


INPUTS = [
    _input("submission_date", dt.date),
    _input("birth_date", dt.date),
    _input("legal_capacity", Enum, possible_values=LegalCapacity),
    _input("parental_rights", Enum, possible_values=ParentalRights, default=ParentalRights.full),
    _input("removed_as_guardian", bool),
    _input("adoption_cancelled_by_fault", bool),
    _input("disease_preventing_care", bool),
    _input("permanent_residence", bool),
    _input("citizenship", Enum, possible_values=Citizenship),
    _input("sex", Enum, possible_values=Sex),
    _input("married", bool),
    _input("years_raised_by_applicant", float),
    _input("mother_died_or_deprived", bool),
    _input("monthly_income", float),
    _input("household_size", float),
    _input("dispensary_registered", bool),
    _input("resides_in_kazakhstan", bool),
    _input("psych_training_certificate", bool),
    _input("relation_to_child", Enum, possible_values=Relation, default=Relation.none),
    _input("consent_personal_data", bool),
    _input("conviction_category", Enum, entity=Conviction, possible_values=Category),
    _input("conviction_kind", Enum, entity=Conviction, possible_values=Kind),
    _input("conviction_expunged", bool, entity=Conviction),
    _input("prosecution_terminated_rehabilitating", bool, entity=Conviction),
]


def _ground(name, fn):
    def formula(application, period, parameters):
        return fn(application, period, parameters)

    # a formula needs a dated period: the grounds are computed for a year (a label only: each
    # application's own date is the input `submission_date`)
    return type(
        name,
        (Variable,),
        {
            "value_type": bool,
            "entity": Application,
            "definition_period": DateUnit.YEAR,
            "label": name,
            "formula": formula,
        },
    )


def _age(application, period):
    """Full years on the submission date (29 February counts on 1 March)."""
    on = application("submission_date", period)
    born = application("birth_date", period)

    def ymd(d):
        y = d.astype("datetime64[Y]")
        m = d.astype("datetime64[M]")
        return y.astype(int) + 1970, (m - y).astype(int) + 1, (d - m).astype(int) + 1

    oy, om, od = ymd(on)
    by, bm, bd = ymd(born)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday


def _subsistence_minimum(application, period, parameters):
    on = application("submission_date", period)
    breakpoints = BREAKPOINTS
    choices = [parameters(b).subsistence_minimum for b in breakpoints]
    conditions = [on >= np.datetime64(b) for b in breakpoints]
    return np.select(conditions[::-1], choices[::-1], default=np.nan)


def _serious(conviction, period):
    category = conviction("conviction_category", period)
    hit = np.zeros(len(category), bool)
    for name in SERIOUS:
        hit |= category == Category[name]
    # item 13's exception (CPC art. 35) concerns a terminated prosecution, never a conviction record
    terminated = (conviction("conviction_kind", period) == Kind.prosecution) & conviction(
        "prosecution_terminated_rehabilitating", period
    )
    return hit & ~terminated


def _g8(application, period, parameters):
    c = application.members
    ordinary = (
        (c("conviction_category", period) == Category.intentional)
        & (c("conviction_kind", period) != Kind.prosecution)
        & ~c("conviction_expunged", period)
    )
    return application.any(ordinary | _serious(c, period), role=RECORD)


def _g10(application, period, parameters):
    man = application("sex", period) == Sex.male
    unmarried = ~application("married", period)
    raised = (application("years_raised_by_applicant", period) >= 3) & application(
        "mother_died_or_deprived", period
    )
    return man & unmarried & ~raised


def _g11(application, period, parameters):
    size = application("household_size", period)
    per_person = application("monthly_income", period) / np.where(size == 0, np.nan, size)
    return per_person < _subsistence_minimum(application, period, parameters)


def _g14(application, period, parameters):
    relation = application("relation_to_child", period)
    excepted = (
        (relation == Relation.close_relative)
        | (relation == Relation.relative)
        | (relation == Relation.stepparent)
    )
    return (
        application("resides_in_kazakhstan", period)
        & ~application("psych_training_certificate", period)
        & ~excepted
    )


GROUNDS = {
    1: _ground("ground_01_minor", lambda a, p, par: _age(a, p) < 18),
    2: _ground(
        "ground_02_incapable",
        lambda a, p, par: (
            (a("legal_capacity", p) == LegalCapacity.limited)
            | (a("legal_capacity", p) == LegalCapacity.incapable)
        ),
    ),
    3: _ground(
        "ground_03_parental_rights",
        lambda a, p, par: (
            (a("parental_rights", p) == ParentalRights.limited)
            | (a("parental_rights", p) == ParentalRights.deprived)
        ),
    ),
    4: _ground("ground_04_removed", lambda a, p, par: a("removed_as_guardian", p)),
    5: _ground("ground_05_adoption_cancelled", lambda a, p, par: a("adoption_cancelled_by_fault", p)),
    6: _ground("ground_06_disease", lambda a, p, par: a("disease_preventing_care", p)),
    7: _ground("ground_07_no_residence", lambda a, p, par: ~a("permanent_residence", p)),
    8: _ground("ground_08_intentional_conviction", _g8),
    9: _ground(
        "ground_09_no_citizenship", lambda a, p, par: a("citizenship", p) == Citizenship.no_citizenship
    ),
    10: _ground("ground_10_unmarried_man", _g10),
    11: _ground("ground_11_income", _g11),
    12: _ground("ground_12_dispensary", lambda a, p, par: a("dispensary_registered", p)),
    13: _ground("ground_13_serious_crime", lambda a, p, par: a.any(_serious(a.members, p), role=RECORD)),
    14: _ground("ground_14_training", _g14),
    15: _ground("ground_15_no_consent", lambda a, p, par: ~a("consent_personal_data", p)),
}

RECORD = None  # set by build_system (the role object)
BREAKPOINTS: list[str] = []


def build_system(subsistence_minimum: list[tuple[dt.date, float]]) -> TaxBenefitSystem:
    """The tax-benefit system with the dated subsistence minimum."""
    global RECORD, BREAKPOINTS
    tbs = TaxBenefitSystem([Conviction, Application])
    tbs.parameters = ParameterNode(
        "",
        data={
            "subsistence_minimum": {"values": {d.isoformat(): {"value": v} for d, v in subsistence_minimum}}
        },
    )
    BREAKPOINTS = [d.isoformat() for d, _ in subsistence_minimum]
    for var in INPUTS + list(GROUNDS.values()):
        tbs.add_variable(var)
    RECORD = Application.RECORD
    return tbs


def simulate(
    tbs: TaxBenefitSystem, n: int, owner: np.ndarray, inputs: dict[str, np.ndarray]
) -> dict[int, np.ndarray]:
    """Build the simulation (n applications; convictions owned by `owner`), set the inputs and
    compute every ground. Returns {item: bool array}."""
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("conviction", np.arange(len(owner)))
    applications = builder.declare_entity("application", np.arange(n))
    # SimulationBuilder.join_with_persons renumbers the groups that have members (np.unique), which
    # misassigns members when some applications have no conviction: set the membership directly
    applications.members_entity_id = np.asarray(owner, dtype=np.int32)
    applications.members_role = np.array(Application.flattened_roles)[np.zeros(len(owner), dtype=int)]
    sim = builder.build(tbs)
    for name, values in inputs.items():
        sim.set_input(name, PERIOD, values)
    return {item: sim.calculate(var.__name__, COMPUTE_PERIOD) for item, var in GROUNDS.items()}
