"""The JSON Schema of a service's facts document, inferred from the facts its rules read.

Types come from how a rule uses a fact (compared with a number → number, with a string → string,
used as a condition → boolean, `age` → ISO date, `some` → list of objects). A fact compared with
`null` may be null. Values are not limited to the ones the rules mention (a rule naming
`stepparent` says nothing about the other values), so enums are not enforced.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qamqor.catalog.model import ServiceVersion

_TYPES = {
    "boolean": {"type": "boolean"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


def _compiled_in(version: ServiceVersion):
    for g in version.grounds:
        yield g.when
        for e in g.unless:
            yield e.when
    for o in version.obligations:
        yield o.when
    for d in version.documents:
        if d.condition is not None:
            yield d.condition


def _merge(hints: set[str]) -> dict[str, Any]:
    nullable = "nullable" in hints
    concrete = [h for h in ("date", "boolean", "number", "string") if h in hints]
    if not concrete:
        schema: dict[str, Any] = {}
    else:
        schema = dict(_TYPES[concrete[0]])
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def facts_schema(version: ServiceVersion) -> dict[str, Any]:
    hints: dict[str, set[str]] = defaultdict(set)
    item_hints: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in _compiled_in(version):
        for path, hint in c.facts:
            hints[path].add(hint)
        for list_path, name, hint in c.item_facts:
            item_hints[list_path][name].add(hint)
    root: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Facts for {version.slug} ({version.id})",
        "type": "object",
        "properties": {},
    }
    for path in sorted(hints):
        if "array" in hints[path]:
            items = {
                "type": "object",
                "properties": {name: _merge(h) for name, h in sorted(item_hints[path].items())},
            }
            leaf = {"type": ["array", "null"], "items": items}
        else:
            leaf = _merge(hints[path])
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            node = node["properties"].setdefault(part, {"type": "object", "properties": {}})
        node["properties"][parts[-1]] = leaf
    return root


_VALIDATORS: dict[tuple[str, str, int], Any] = {}


def facts_validator(version: ServiceVersion):
    """A JSON Schema validator of the version's facts, built once per version and process."""
    key = (version.slug, version.id, id(version))
    found = _VALIDATORS.get(key)
    if found is None:
        import jsonschema

        found = _VALIDATORS[key] = jsonschema.Draft202012Validator(
            facts_schema(version), format_checker=jsonschema.FormatChecker()
        )
    return found
