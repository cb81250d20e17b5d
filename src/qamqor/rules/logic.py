"""Three-valued rule expressions: compiled once, evaluated per case.

The language is defined in docs/catalog-format.md ("Expressions"). A missing fact is *unknown*
(None), never false: `all` is false as soon as one part is false, `any` true as soon as one part
is true, otherwise an unknown part makes the whole unknown. Missing facts are reported only when
they decide the outcome (a determined `all`/`any` forgets the missing facts of its parts).

Expressions compile to nested closures (no interpretation of the dict at run time) so that a
whole decision with its explanation stays within tens of microseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qamqor.rules.intervals import INTERVAL_OPS, Bounds, compare_bounds, div_bounds


class ExpressionError(ValueError):
    """The expression is not of the catalogue language (raised when compiling, never at run time)."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()



_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "∈"}


class Context:
    """What one evaluation reads: the facts document, the date, the parameters in force on it."""

    __slots__ = ("facts", "on", "params", "missing", "items", "trace")

    def __init__(self, facts: Mapping[str, Any], on: dt.date, params: Mapping[str, Any]):
        self.facts = facts
        self.on = on
        self.params = params
        self.missing: list[str] = []
        self.items: list[Mapping[str, Any]] = []
        # (left text, left value, symbol, right text, right value, result) of each comparison made
        self.trace: list[tuple[str, Any, str, str, Any, bool | None]] | None = None


@dataclass(frozen=True, slots=True)
class Exception_:
    """An "unless" clause of a rule, with its own citation."""

    code: str
    when: Compiled
    citation: Any
    text: Any
    test: Callable[[Context], bool | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "test", _as_bool(self.when))


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled expression: `fn(ctx)` gives True / False / None (unknown) or an operand value."""

    fn: Callable[[Context], Any]
    source: Any
    kind: str  # "bool" or "value"
    facts: tuple[tuple[str, str], ...]  # (path, type hint) pairs used, for the facts schema
    item_facts: tuple[tuple[str, str, str], ...] = ()  # (list path, item field, type hint)

    def __call__(self, ctx: Context) -> Any:
        return self.fn(ctx)


def lookup(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or MISSING when any key on the way is absent."""
    return _lookup_keys(facts, tuple(path.split(".")))


def _lookup_keys(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        # plain dicts (parsed JSON) take the fast path; other mappings the general one
        if type(node) is not dict and not isinstance(node, Mapping):
            return MISSING
        try:
            node = node[key]
        except KeyError:
            return MISSING
    return node


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def full_years(born: dt.date, on: dt.date) -> int:
    """Full years of age on a date (a person born on 29 February has a birthday on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def compile_expr(
    node: Any, *, inside_item: bool = False, exception_factory=None, bounds: Mapping[str, tuple] | None = None
) -> Compiled:
    """Compile a catalogue expression. `exception_factory(dict) -> Exception_` builds `unless` entries;
    `bounds` maps a numeric fact path to its declared (minimum, maximum): a missing fact with bounds is
    an unknown number in that range, which can still decide a comparison (docs/decisions/0013)."""
    return Compiler(exception_factory, inside_item, bounds).compile(node)


class Compiler:
    def __init__(self, exception_factory, inside_item: bool, bounds: Mapping[str, tuple] | None = None):
        self.exception_factory = exception_factory
        self.inside_item = inside_item
        self.list_path: str | None = None
        self.bounds = dict(bounds or {})

    def compile(self, node: Any, hint: str = "any") -> Compiled:
        if isinstance(node, Mapping):
            if len(node) == 0:
                raise ExpressionError("an empty mapping is not an expression")
            keys = set(node)
            if "some" in keys:
                return self._some(node)
            if "item" in keys:
                return self._item(node, hint)
            if len(keys) != 1:
                raise ExpressionError(f"an expression node has exactly one operator, got {sorted(keys)}")
            (op,) = keys
            arg = node[op]
            method = getattr(self, "_op_" + op, None)
            if method is None:
                raise ExpressionError(f"unknown operator {op!r}")
            return method(arg, hint)
        if isinstance(node, list):
            raise ExpressionError("a bare list is only allowed as the right side of 'in'")
        # literal
        value = node
        return Compiled(fn=lambda ctx, v=value: v, source=node, kind="value", facts=())

    # operands -----------------------------------------------------------------------------
    def _op_fact(self, path: Any, hint: str) -> Compiled:
        if not isinstance(path, str) or not path:
            raise ExpressionError("fact takes a dotted path")

        keys = tuple(path.split("."))
        unknown = Bounds(*self.bounds[path]) if path in self.bounds else MISSING

        def fn(ctx: Context, path=path, keys=keys):
            value = _lookup_keys(ctx.facts, keys)
            if value is MISSING:
                ctx.missing.append(path)
                return unknown
            return value

        return Compiled(fn=fn, source={"fact": path}, kind="value", facts=((path, hint),))

    def _op_param(self, code: Any, hint: str) -> Compiled:
        if not isinstance(code, str):
            raise ExpressionError("param takes a parameter code")

        def fn(ctx: Context, code=code):
            value = ctx.params.get(code, MISSING)
            if value is MISSING:
                ctx.missing.append("param:" + code)
            return value

        return Compiled(fn=fn, source={"param": code}, kind="value", facts=())

    def _item(self, node: Mapping, hint: str) -> Compiled:
        if not self.inside_item:
            raise ExpressionError("'item' is only allowed inside 'some'")
        extra = set(node) - {"item", "default"}
        if extra:
            raise ExpressionError(f"unknown keys in item node: {sorted(extra)}")
        name = node["item"]
        has_default = "default" in node
        default = node.get("default")
        list_path = self.list_path

        def fn(ctx: Context, name=name):
            item = ctx.items[-1]
            if name in item:
                return item[name]
            if has_default:
                return default
            ctx.missing.append(f"{list_path}[].{name}")
            return MISSING

        c = Compiled(fn=fn, source=dict(node), kind="value", facts=())
        object.__setattr__(c, "item_facts", ((list_path, name, hint),))
        return c

    def _op_age(self, arg: Any, hint: str) -> Compiled:
        inner = self.compile(arg, "date")

        def fn(ctx: Context, inner=inner):
            value = inner.fn(ctx)
            if value is MISSING or value is None or type(value) is Bounds:
                return MISSING
            born = as_date(value)
            if born is None:
                return MISSING
            return full_years(born, ctx.on)

        return self._value(fn, {"age": inner.source}, [inner])

    def _op_div(self, arg: Any, hint: str) -> Compiled:
        if not isinstance(arg, list) or len(arg) != 2:
            raise ExpressionError("div takes [numerator, denominator]")
        a, b = (self.compile(x, "number") for x in arg)

        denominator = render_expr(arg[1])

        def fn(ctx: Context, a=a, b=b):
            x, y = a.fn(ctx), b.fn(ctx)
            if x is MISSING or y is MISSING or x is None or y is None:
                return MISSING
            if type(x) is Bounds or type(y) is Bounds:
                q = div_bounds(x, y)
                return MISSING if q is None else q
            try:
                if y == 0:  # a household of nobody: the fact is wrong, so ask for it again
                    ctx.missing.append(denominator)
                    return MISSING
                return x / y
            except TypeError:  # not numbers (a malformed document): unknown, never an error
                return MISSING

        return self._value(fn, {"div": [a.source, b.source]}, [a, b])

    # comparisons ----------------------------------------------------------------------------
    def _comparison(self, op: str, arg: Any) -> Compiled:
        if not isinstance(arg, list) or len(arg) != 2:
            raise ExpressionError(f"{op} takes [left, right]")
        right_literal = not isinstance(arg[1], Mapping | list)
        hint = (
            _hint_for(op, arg[1])
            if right_literal
            else ("number" if op in ("lt", "le", "gt", "ge") else "any")
        )
        left = self.compile(arg[0], hint)
        right = self.compile(arg[1], hint)
        compare = _COMPARISONS[op]
        symbol = _SYMBOLS[op]
        text = render_expr(arg[0])
        right_text = render_expr(arg[1])
        equality = op in ("eq", "ne")

        if isinstance(arg[0], Mapping) and set(arg[0]) == {"fact"} and right_literal:
            path = arg[0]["fact"]
            bounds = Bounds(*self.bounds[path]) if path in self.bounds else None
            return self._bool(
                _fact_vs_literal(path, arg[1], compare, equality, text, symbol, right_text, op, bounds),
                {op: [left.source, right.source]},
                [left, right],
            )

        bounded = op if op in INTERVAL_OPS else None

        def fn(ctx: Context):
            mark = len(ctx.missing)
            x = left.fn(ctx)
            y = right.fn(ctx)
            if type(x) is Bounds or type(y) is Bounds:
                result = compare_bounds(bounded, x, y)
                if result is not None:  # the whole range decides: the unknown operand does not matter
                    del ctx.missing[mark:]
            elif x is MISSING or y is MISSING:
                result = None
            elif not equality and (x is None or y is None):
                result = None
            else:
                try:
                    result = compare(x, y)
                except TypeError:
                    result = None
            if ctx.trace is not None:
                ctx.trace.append((text, x, symbol, right_text, y, result))
            return result

        return self._bool(fn, {op: [left.source, right.source]}, [left, right])

    def _op_eq(self, arg, hint):
        return self._comparison("eq", arg)

    def _op_ne(self, arg, hint):
        return self._comparison("ne", arg)

    def _op_lt(self, arg, hint):
        return self._comparison("lt", arg)

    def _op_le(self, arg, hint):
        return self._comparison("le", arg)

    def _op_gt(self, arg, hint):
        return self._comparison("gt", arg)

    def _op_ge(self, arg, hint):
        return self._comparison("ge", arg)

    def _op_in(self, arg: Any, hint: str) -> Compiled:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
            raise ExpressionError("in takes [operand, [values…]]")
        values = tuple(arg[1])
        left = self.compile(arg[0], _hint_for("eq", values[0]) if values else "any")
        allowed = frozenset(v for v in values if v is None or isinstance(v, str | int | float | bool))
        text = render_expr(arg[0])

        def fn(ctx: Context):
            x = left.fn(ctx)
            result = (
                None
                if x is MISSING or type(x) is Bounds
                else (x in allowed if isinstance(x, str | int | float | bool) or x is None else None)
            )
            if ctx.trace is not None:
                ctx.trace.append((text, x, "∈", repr(list(values)), list(values), result))
            return result

        return self._bool(fn, {"in": [left.source, list(values)]}, [left])

    # logic ------------------------------------------------------------------------------------
    def _op_all(self, arg: Any, hint: str) -> Compiled:
        return self._junction("all", arg, decisive=False)

    def _op_any(self, arg: Any, hint: str) -> Compiled:
        return self._junction("any", arg, decisive=True)

    def _junction(self, op: str, arg: Any, *, decisive: bool) -> Compiled:
        """`all` (one false decides) or `any` (one true decides); otherwise an unknown part leaves
        the whole unknown. Once decided, the missing facts of the parts no longer matter."""
        parts = self._parts(op, arg)
        fns = tuple(p.fn for p in parts)

        def fn(ctx: Context):
            mark = len(ctx.missing)
            unknown = False
            for f in fns:
                v = f(ctx)
                if v is decisive:
                    del ctx.missing[mark:]
                    return decisive
                if v is None:
                    unknown = True
            if unknown:
                return None
            del ctx.missing[mark:]
            return not decisive

        return self._bool(fn, {op: [p.source for p in parts]}, parts)

    def _op_not(self, arg: Any, hint: str) -> Compiled:
        inner = self.compile(arg, "boolean")
        inner_fn = _as_bool(inner)

        def fn(ctx: Context):
            v = inner_fn(ctx)
            return None if v is None else not v

        return self._bool(fn, {"not": inner.source}, [inner])

    def _some(self, node: Mapping) -> Compiled:
        extra = set(node) - {"some", "where", "unless"}
        if extra:
            raise ExpressionError(f"unknown keys in some node: {sorted(extra)}")
        if "where" not in node:
            raise ExpressionError("some needs 'where'")
        list_expr = node["some"]
        if not (isinstance(list_expr, Mapping) and set(list_expr) == {"fact"}):
            raise ExpressionError("some takes {fact: path} of a list")
        path = list_expr["fact"]
        sub = Compiler(self.exception_factory, inside_item=True, bounds=self.bounds)
        sub.list_path = path
        where_c = sub.compile(node["where"], "boolean")
        where = _as_bool(where_c)
        exceptions = tuple(self._exception(e, sub) for e in node.get("unless") or ())

        def fn(ctx: Context):
            items = lookup(ctx.facts, path)
            if items is MISSING:
                ctx.missing.append(path)
                return None
            if items is None:
                items = ()
            if not isinstance(items, list | tuple):
                return None
            mark = len(ctx.missing)
            unknown = False
            for item in items:
                if not isinstance(item, Mapping):
                    unknown = True
                    continue
                ctx.items.append(item)
                try:
                    item_mark = len(ctx.missing)
                    v = apply_exceptions(where(ctx), exceptions, ctx, item_mark)[0]
                finally:
                    ctx.items.pop()
                if v is True:
                    del ctx.missing[mark:]
                    return True
                if v is None:
                    unknown = True
            if unknown:
                return None
            del ctx.missing[mark:]
            return False

        facts = ((path, "array"),)
        item_facts = where_c.item_facts + tuple(f for e in exceptions for f in e.when.item_facts)
        return Compiled(
            fn=fn,
            source={
                "some": {"fact": path},
                "where": where_c.source,
                "unless": [{"code": e.code, "when": e.when.source} for e in exceptions],
            },
            kind="bool",
            facts=facts + where_c.facts + tuple(f for e in exceptions for f in e.when.facts),
            item_facts=item_facts,
        )

    def _exception(self, spec: Any, compiler: Compiler) -> Exception_:
        if self.exception_factory is None:
            raise ExpressionError("'unless' needs an exception factory (with citations)")
        return self.exception_factory(spec, compiler)

    # helpers -----------------------------------------------------------------------------------
    def _parts(self, op: str, arg: Any) -> list[Compiled]:
        if not isinstance(arg, list) or not arg:
            raise ExpressionError(f"{op} takes a non-empty list")
        parts = [self.compile(x, "boolean") for x in arg]
        return [
            Compiled(fn=_as_bool(p), source=p.source, kind="bool", facts=p.facts, item_facts=p.item_facts)
            for p in parts
        ]

    @staticmethod
    def _bool(fn, source, parts) -> Compiled:
        return Compiled(
            fn=fn,
            source=source,
            kind="bool",
            facts=tuple(f for p in parts for f in p.facts),
            item_facts=tuple(f for p in parts for f in p.item_facts),
        )

    @staticmethod
    def _value(fn, source, parts) -> Compiled:
        return Compiled(
            fn=fn,
            source=source,
            kind="value",
            facts=tuple(f for p in parts for f in p.facts),
            item_facts=tuple(f for p in parts for f in p.item_facts),
        )


def _fact_vs_literal(
    path: str,
    literal: Any,
    compare,
    equality: bool,
    text: str,
    symbol: str,
    right_text: str,
    op: str = "eq",
    bounds: Bounds | None = None,
):
    """The commonest comparison, `{op: [{fact: path}, literal]}`, without the operand closures."""
    keys = tuple(path.split("."))
    # a missing fact with a declared range may still decide the comparison, once for all (compile time)
    settled = (
        compare_bounds(op if op in INTERVAL_OPS else None, bounds, literal) if bounds is not None else None
    )

    def fn(ctx: Context):
        x = _lookup_keys(ctx.facts, keys)
        if x is MISSING:
            result = settled
            if result is None:
                ctx.missing.append(path)
        elif equality:
            result = compare(x, literal)
        elif x is None or literal is None:
            result = None
        else:
            try:
                result = compare(x, literal)
            except TypeError:
                result = None
        if ctx.trace is not None:
            shown = bounds if x is MISSING and bounds is not None else x  # a decided range shows as such
            ctx.trace.append((text, shown, symbol, right_text, literal, result))
        return result

    return fn


def _as_bool(c: Compiled) -> Callable[[Context], bool | None]:
    """A value used as a condition: a boolean is itself; anything else (or missing) is unknown."""
    if c.kind == "bool":
        return c.fn
    inner = c.fn

    def fn(ctx: Context):
        v = inner(ctx)
        return v if v is True or v is False else None

    return fn


def apply_exceptions(
    value: bool | None, exceptions: tuple[Exception_, ...], ctx: Context, mark: int | None = None
):
    """rule ∧ ¬(exception₁ ∨ …) in three-valued logic, for a rule's or a list item's `unless`: gives
    (result, the exception that applied or None). `value` is the rule's value, `mark` the length of
    `ctx.missing` before the rule was evaluated. A false rule settles it (the exceptions are not read);
    an exception that holds settles it too, *whether or not the rule is known* (its missing facts are
    then forgotten: 001 annex 1 row 9 item 14 excepts a close relative whatever the other facts are);
    otherwise an unknown rule or an unknown exception leaves it unknown, with the missing facts of both."""
    if value is False or not exceptions:
        return value, None
    if mark is None:
        mark = len(ctx.missing)
    unknown = value is None
    for e in exceptions:
        v = e.test(ctx)
        if v is True:
            del ctx.missing[mark:]
            return False, e
        if v is None:
            unknown = True
    if unknown:
        return None, None
    del ctx.missing[mark:]
    return True, None


def _hint_for(op: str, literal: Any) -> str:
    if isinstance(literal, bool):
        return "boolean"
    if isinstance(literal, int | float):
        return "number"
    if isinstance(literal, str):
        return "string"
    if literal is None:
        return "nullable"
    return "any"


def render_expr(node: Any) -> str:
    """A short readable form of an operand, for explanations."""
    if isinstance(node, Mapping):
        if "fact" in node:
            return str(node["fact"])
        if "param" in node:
            return str(node["param"])
        if "item" in node:
            return "item." + str(node["item"])
        if "age" in node:
            return f"age({render_expr(node['age'])})"
        if "div" in node:
            a, b = node["div"]
            return f"{render_expr(a)} / {render_expr(b)}"
        (op,) = node
        return f"{op}(…)"
    return repr(node)


def as_condition(c: Compiled) -> Callable[[Context], bool | None]:
    """The public form of a compiled expression used as a condition (e.g. a document's `condition`
    evaluated by the completeness check): True, False or None for unknown."""
    return _as_bool(c)
