"""A recipient reads statuses in Kazakh or Russian: every status must be translated, and no two alike."""

import pytest
from django.utils import translation

from qamqor.cases.transitions import Status


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_status_labels_are_translated_and_distinct(lang):
    with translation.override("en"):
        english = {value: str(label) for value, label in Status.choices}
    with translation.override(lang):
        labels = {value: str(label) for value, label in Status.choices}
    assert len(set(labels.values())) == len(labels), labels
    untranslated = [v for v in labels if labels[v] == english[v]]
    assert not untranslated, untranslated
