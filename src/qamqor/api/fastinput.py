"""A fast path for validating request bodies with DRF serializers: the common, valid case only.

`validated(serializer_class, data)` returns exactly what `serializer_class(data=data)` would put in
`validated_data`, or None when the input is anything but plainly valid (a wrong type, a blank, a
failed validator, an unexpected shape). On None the caller runs the serializer itself, so invalid
input gets DRF's own 400 body, field by field and in the requested language, and the serializer stays
the one description of the body (and of the OpenAPI schema).

Why: building a DRF serializer deep-copies its declared fields on every request (nested ones too);
for the submission body that was about a fifth of the request's CPU. Here the declared fields are
read once per class and their own validators are called directly.

Supported field kinds (anything else makes the class always use the serializer): CharField and its
plain subclasses (SlugField, RegexField, EmailField, and those marked `fast_as_char`), ChoiceField, BooleanField, JSONField (not
binary), DateField, nested Serializer and `many=True` lists of them. Field-level `validate_<name>`
and an overridden `validate()` are called as DRF calls them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework import fields as f
from rest_framework import serializers

_UNSUPPORTED = object()
_FAIL = object()


class _Fallback(Exception):
    """The input needs the serializer (it is invalid, or of a shape this module does not handle)."""


def _default_of(field: f.Field):
    if field.default is f.empty:
        return f.empty
    if callable(field.default):
        if getattr(field.default, "requires_context", False):
            return _UNSUPPORTED
        return field.default  # called per request (e.g. `list`, `dict`)
    value = field.default
    return lambda: value


def _run_validators(validators, value) -> None:
    for v in validators:
        v(value)  # raises: caught by the caller, which falls back


def _char(field: f.CharField) -> Callable[[Any], Any]:
    validators = list(field.validators)
    trim, allow_blank = field.trim_whitespace, field.allow_blank

    def check(value):
        if type(value) is not str:
            raise _Fallback
        v = value.strip() if trim else value
        if v == "":
            if not allow_blank:
                raise _Fallback
            return ""
        _run_validators(validators, v)
        return v

    return check


def _choice(field: f.ChoiceField) -> Callable[[Any], Any]:
    mapping = dict(field.choice_strings_to_values)
    validators = list(field.validators)
    allow_blank = field.allow_blank

    def check(value):
        if type(value) is not str:
            raise _Fallback
        if value == "" and allow_blank:
            return ""
        try:
            out = mapping[value]
        except KeyError:
            raise _Fallback from None
        _run_validators(validators, out)
        return out

    return check


def _boolean(field: f.BooleanField) -> Callable[[Any], Any]:
    validators = list(field.validators)

    def check(value):
        if type(value) is not bool:
            raise _Fallback
        _run_validators(validators, value)
        return value

    return check


def _json(field: f.JSONField) -> Callable[[Any], Any]:
    validators = list(field.validators)

    def check(value):  # the body was parsed from JSON: any value is JSON-serialisable
        _run_validators(validators, value)
        return value

    return check


def _date(field: f.DateField) -> Callable[[Any], Any]:
    validators = list(field.validators)

    def check(value):
        if type(value) is not str:
            raise _Fallback
        out = field.to_internal_value(value)
        if not isinstance(out, dt.date) or isinstance(out, dt.datetime):
            raise _Fallback
        _run_validators(validators, out)
        return out

    return check


def _list_of(field: serializers.ListSerializer) -> Callable[[Any], Any] | None:
    child = _compile(type(field.child))
    if child is None or getattr(field, "validators", None):
        return None
    allow_empty = field.allow_empty
    max_length = getattr(field, "max_length", None)
    min_length = getattr(field, "min_length", None)

    def check(value):
        if type(value) is not list:
            raise _Fallback
        if (not allow_empty and not value) or (max_length is not None and len(value) > max_length):
            raise _Fallback
        if min_length is not None and len(value) < min_length:
            raise _Fallback
        return [child(item) for item in value]

    return check


def _checker(field: f.Field) -> Callable[[Any], Any] | None:
    """The check of one field's primitive value (not None, present), or None if not supported."""
    kind = type(field)
    if isinstance(field, serializers.ListSerializer):
        return _list_of(field)
    if isinstance(field, serializers.Serializer):
        return _compile(kind)
    if isinstance(field, f.CharField):
        # `fast_as_char`: a subclass whose only difference is refusing non-str input, which the
        # fast check refuses anyway (serializers.StrictCharField)
        if kind.to_internal_value is not f.CharField.to_internal_value and not getattr(
            kind, "fast_as_char", False
        ):
            return None
        if kind.run_validation is not f.CharField.run_validation:
            return None
        return _char(field)
    if kind in (f.ChoiceField,):
        return _choice(field)
    if kind is f.BooleanField:
        return _boolean(field)
    if kind is f.JSONField and not field.binary:
        return _json(field)
    if kind is f.DateField:
        return _date(field)
    return None


_PLANS: dict[type, Callable[[Any], dict] | None] = {}


def _compile(cls: type) -> Callable[[Any], dict] | None:
    if cls in _PLANS:
        return _PLANS[cls]
    _PLANS[cls] = None  # a recursive shape is not supported
    plan = _build(cls)
    _PLANS[cls] = plan
    return plan


def _build(cls: type) -> Callable[[Any], dict] | None:
    if getattr(getattr(cls, "Meta", None), "validators", None):
        return None
    instance = cls()
    steps = []
    for name, field in cls._declared_fields.items():
        if field.read_only:
            continue
        if field.source not in (None, name):
            return None
        check = _checker(field)
        if check is None:
            return None
        default = _default_of(field)
        if default is _UNSUPPORTED:
            return None
        method = getattr(instance, f"validate_{name}", None)
        steps.append((name, check, field.required, default, field.allow_null, method))
    whole = None if cls.validate is serializers.Serializer.validate else instance.validate

    def validate(data):
        if type(data) is not dict:
            raise _Fallback
        out = {}
        for name, check, required, default, allow_null, method in steps:
            if name in data:
                value = data[name]
                if value is None:
                    if not allow_null:
                        raise _Fallback
                    out_value = None
                else:
                    out_value = check(value)
            elif required:
                raise _Fallback
            elif default is f.empty:
                continue
            else:
                out_value = default()
            if method is not None:
                out_value = method(out_value)
            out[name] = out_value
        if whole is not None:
            out = whole(out)
        return out

    return validate


def validated(serializer_class: type, data) -> dict | None:
    """`serializer_class(data=data).validated_data` for plainly valid input, else None (use DRF);
    always None with the fast paths switched off (`QAMQOR_FAST_PATHS`)."""
    if not settings.QAMQOR_FAST_PATHS:
        return None
    plan = _compile(serializer_class)
    if plan is None:
        return None
    try:
        return plan(data)
    except Exception:  # noqa: BLE001 - any doubt: the serializer decides and reports
        return None
