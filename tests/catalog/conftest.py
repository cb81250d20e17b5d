from pathlib import Path

import pytest

from qamqor.catalog.loader import load_catalog_from

FIXTURE = Path(__file__).parent / "fixture"


@pytest.fixture(scope="session")
def demo_catalog():
    return load_catalog_from(FIXTURE / "definitions", FIXTURE / "parameters.yaml")


def good_applicant(**over):
    facts = {
        "applicant": {
            "birth_date": "1985-08-08",
            "sex": "female",
            "married": True,
            "monthly_income": 300000,
            "household_size": 3,
            "convictions": [],
            "relation_to_child": "none",
            "psych_training_certificate": True,
        },
        "child": {"years_raised_by_applicant": 0, "mother_died_or_deprived": False},
        "consent_personal_data": True,
    }
    for path, value in over.items():
        node = facts
        *head, last = path.split("__")
        for k in head:
            node = node[k]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return facts
