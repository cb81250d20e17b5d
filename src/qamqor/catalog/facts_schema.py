"""The JSON Schema of a service's facts document, and the check every layer runs before a rule does.

Types come from how a rule uses a fact (compared with a number → number, with a string → string,
used as a condition → boolean, `age` → ISO date, `some` → list of objects). A fact compared with
`null` may be null.

Closed value sets (docs/catalog-format.md, "Facts"): a fact a rule compares with words takes only
the words the rules name (`in`, `eq`, `ne`, an item field's `default`) and the `other_values` the
version declares for the values no rule names (e.g. `female` for `applicant.sex`, which the rules
only compare with `male`). The loader rejects a declared value that a rule already names, so every
value has one source. A fact declared `format: country` is an ISO 3166-1 alpha-2 code (the list of
the `pycountry` package); `minimum`/`maximum`/`integer` bound a number (and let the engine decide
with a missing one, docs/decisions/0013).

`validate_facts(version, facts) -> list[FactError]` is the one check: the CLI exits 2 on the first
error, the API answers 400 with all of them, and nothing is decided on facts that fail it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qamqor.catalog.model import ServiceVersion

_TYPES = {
    "boolean": {"type": "boolean"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


class DeclarationError(ValueError):
    """A `facts:` declaration that contradicts the rules (raised by the loader)."""


class SchemaUnavailable(ValueError):
    """The version's texts are incomplete (`incomplete_source`): there is no facts schema to give."""


@dataclass(frozen=True, slots=True)
class FactError:
    """One fact that fails the version's schema: where, what kind of failure, and a kk/ru/en message."""

    path: str  # dotted, list items by index: applicant.convictions.0.category; "" for the document
    code: str  # not_an_object | wrong_type | not_allowed | not_a_country | not_a_date | out_of_range | not_whole
    message: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "code": self.code, "message": dict(self.message)}


class FactsInvalid(ValueError):
    """Facts that fail the version's schema (`errors` in document order); nothing was decided."""

    def __init__(self, errors: list[FactError]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"facts fail the schema at {first.path or '(document)'}: {first.message['en']}")


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


def _operand_path(node: Any, list_path: str | None) -> str | None:
    if isinstance(node, Mapping):
        if set(node) == {"fact"} and isinstance(node["fact"], str):
            return node["fact"]
        if "item" in node and list_path is not None:
            return f"{list_path}[].{node['item']}"
    return None


def rule_values(version: ServiceVersion) -> dict[str, set[str]]:
    """Per fact path (item fields as `list[].field`), the words the version's rules compare it with."""
    out: dict[str, set[str]] = defaultdict(set)

    def walk(node: Any, list_path: str | None) -> None:
        if isinstance(node, list):
            for x in node:
                walk(x, list_path)
            return
        if not isinstance(node, Mapping):
            return
        if "some" in node:
            inner = node["some"].get("fact") if isinstance(node["some"], Mapping) else None
            walk(node.get("where"), inner)
            for e in node.get("unless") or ():
                walk(e.get("when") if isinstance(e, Mapping) else None, inner)
            return
        if "item" in node and list_path is not None and isinstance(node.get("default"), str):
            out[f"{list_path}[].{node['item']}"].add(node["default"])
        for op, arg in node.items():
            if op in ("eq", "ne") and isinstance(arg, list) and len(arg) == 2:
                for a, b in (arg, arg[::-1]):
                    path = _operand_path(a, list_path)
                    if path is not None and isinstance(b, str):
                        out[path].add(b)
            elif op == "in" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                path = _operand_path(arg[0], list_path)
                if path is not None:
                    out[path].update(v for v in arg[1] if isinstance(v, str))
            walk(arg, list_path)

    for c in _compiled_in(version):
        walk(c.source, None)
    return out


def check_declarations(version: ServiceVersion) -> None:
    """One source per value: a declared `other_values` entry must not be one a rule already names."""
    named = rule_values(version)
    for path, spec in version.facts.items():
        twice = sorted(set(spec.other_values) & named.get(path, set()))
        if twice:
            raise DeclarationError(f"{path}: {twice} already named by the rules (declare only the others)")


def _countries() -> list[str]:
    import pycountry

    return sorted(c.alpha_2 for c in pycountry.countries)


def _merge(hints: set[str], path: str, version: ServiceVersion, named: dict[str, set[str]]) -> dict[str, Any]:
    nullable = "nullable" in hints
    spec = version.facts.get(path)
    concrete = [h for h in ("date", "boolean", "number", "string") if h in hints]
    schema: dict[str, Any] = dict(_TYPES[concrete[0]]) if concrete else {}
    if spec is not None and spec.format == "country":
        schema = {"type": "string", "enum": _countries()}
    elif schema.get("type") == "string" and "format" not in schema:
        values = sorted(named.get(path, set()) | set(spec.other_values if spec else ()))
        if values:
            schema["enum"] = values
    if spec is not None and schema.get("type") == "number":
        if spec.integer:
            schema["type"] = "integer"
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.maximum is not None:
            schema["maximum"] = spec.maximum
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def facts_schema(version: ServiceVersion) -> dict[str, Any]:
    """The JSON Schema of the version's facts (raises SchemaUnavailable for `incomplete_source`)."""
    if version.source_status != "complete":
        raise SchemaUnavailable(
            f"{version.slug} ({version.id}): the legal texts of this version are incomplete "
            "(source_status: incomplete_source), so no facts are read and there is no schema"
        )
    hints: dict[str, set[str]] = defaultdict(set)
    item_hints: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in _compiled_in(version):
        for path, hint in c.facts:
            hints[path].add(hint)
        for list_path, name, hint in c.item_facts:
            item_hints[list_path][name].add(hint)
    named = rule_values(version)
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
                "properties": {
                    name: _merge(h, f"{path}[].{name}", version, named)
                    for name, h in sorted(item_hints[path].items())
                },
            }
            leaf = {"type": ["array", "null"], "items": items}
        else:
            leaf = _merge(hints[path], path, version, named)
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


# kk / ru / en, {path} and {value} filled in (the pure core returns all three languages, as
# evaluation.NOT_IN_FORCE does; the API picks the caller's)
_MESSAGES = {
    "not_an_object": {
        "kk": "{path}: JSON нысаны (объект) болуы тиіс.",
        "ru": "{path}: должен быть объектом JSON.",
        "en": "{path}: must be a JSON object.",
    },
    "wrong_type": {
        "kk": "{path}: мәннің түрі қате ({expected} күтіледі).",
        "ru": "{path}: неверный тип значения (ожидается {expected}).",
        "en": "{path}: wrong type of value (expected {expected}).",
    },
    "not_allowed": {
        "kk": "{path}: «{value}» мәні рұқсат етілмеген; рұқсат етілген мәндер: {allowed}.",
        "ru": "{path}: значение «{value}» недопустимо; допустимые значения: {allowed}.",
        "en": "{path}: the value “{value}” is not allowed; allowed values: {allowed}.",
    },
    "not_a_country": {
        "kk": "{path}: «{value}» ISO 3166-1 alpha-2 ел коды емес (мысалы, KZ).",
        "ru": "{path}: «{value}» — не код страны ISO 3166-1 alpha-2 (например, KZ).",
        "en": "{path}: “{value}” is not an ISO 3166-1 alpha-2 country code (e.g. KZ).",
    },
    "not_a_date": {
        "kk": "{path}: күн жжжж-аа-кк түрінде болуы тиіс.",
        "ru": "{path}: дата должна быть в формате гггг-мм-дд.",
        "en": "{path}: a date must be written yyyy-mm-dd.",
    },
    "out_of_range": {
        "kk": "{path}: {value} мәні рұқсат етілген шектен тыс ({limit}).",
        "ru": "{path}: значение {value} вне допустимого диапазона ({limit}).",
        "en": "{path}: the value {value} is out of range ({limit}).",
    },
    "not_whole": {
        "kk": "{path}: бүтін сан болуы тиіс.",
        "ru": "{path}: должно быть целым числом.",
        "en": "{path}: must be a whole number.",
    },
}


def _error(err) -> FactError:
    path = ".".join(str(p) for p in err.absolute_path)
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    value = err.instance
    fill: dict[str, Any] = {
        "path": path or "(document)",
        "value": value,
        "expected": "",
        "allowed": "",
        "limit": "",
    }
    if err.validator == "enum":
        if len(schema.get("enum", ())) > 50:  # the country list
            code = "not_a_country"
        else:
            code = "not_allowed"
            fill["allowed"] = ", ".join("null" if v is None else str(v) for v in schema["enum"])
    elif err.validator in ("format", "pattern") and schema.get("format") == "date":
        code = "not_a_date"
    elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        code = "out_of_range"
        fill["limit"] = f"{'≥' if 'inimum' in err.validator else '≤'} {err.validator_value}"
    elif (
        err.validator == "type"
        and schema.get("type") in ("integer", ["integer", "null"])
        and isinstance(value, float)
    ):
        code = "not_whole"
    elif err.validator == "type" and schema.get("type") == "object":
        code = "not_an_object"
    else:
        code = "wrong_type"
        kind = schema.get("type", err.validator)
        fill["expected"] = " | ".join(kind) if isinstance(kind, list) else str(kind)
    return FactError(path, code, {lang: text.format(**fill) for lang, text in _MESSAGES[code].items()})


def validate_facts(version: ServiceVersion, facts: Any) -> list[FactError]:
    """Every way `facts` fails the version's schema (empty when they pass), in document order.
    Raises SchemaUnavailable for a version whose texts are incomplete."""
    if not isinstance(facts, Mapping):
        return [
            FactError(
                "",
                "not_an_object",
                {k: v.format(path="(document)") for k, v in _MESSAGES["not_an_object"].items()},
            )
        ]
    errors = sorted(
        facts_validator(version).iter_errors(dict(facts)), key=lambda e: [str(p) for p in e.absolute_path]
    )
    return [_error(e) for e in errors]


def check_facts(version: ServiceVersion, facts: Any) -> None:
    """Raise FactsInvalid (with every error) unless `facts` pass the version's schema."""
    errors = validate_facts(version, facts)
    if errors:
        raise FactsInvalid(errors)
