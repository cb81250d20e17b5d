"""docs/case-lifecycle.md prints the transition table with each move's basis: it must match the code."""

from .lifecycle_table import DOC, render_rows, table_in_doc


def test_the_documented_table_is_the_table_in_the_code():
    assert table_in_doc(DOC.read_text(encoding="utf-8")) == render_rows(), (
        "regenerate: python tests/automated/lifecycle_table.py"
    )


def test_the_system_moves_of_the_automated_path_are_system_only_on_the_portal():
    from qamqor.cases.transitions import SYSTEM, TABLE, basis_for
    from qamqor.catalog.procedure import AUTOMATED_STEPS as AUTOMATED_BASIS_KEYS

    rows = [t for t in TABLE if t.basis_key in AUTOMATED_BASIS_KEYS]
    assert {t.action for t in rows} == {
        "refuse_incomplete_automated",
        "check_completeness",
        "start_review",
        "grant",
        "issue_automated_refusal",
    }
    for t in rows:
        assert t.roles == (SYSTEM,) and t.channels == ("portal",)
        own = basis_for(t, "001-patronage")
        assert own.citations and any(c.clause == "annex 2 row 4" for c in own.citations), t.action
        # a service whose own text does not make it fully automated gets no basis for a system decision
        assert basis_for(t, "001-guardianship").certainty == "unknown"
