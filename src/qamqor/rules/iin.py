"""Kazakh individual (IIN, ЖСН) and business (BIN, БСН) identification numbers.

Pure Python, no Django. The structure and the check digit follow
`/work/shared/domain/kazakhstan-facts.md` ("Identification numbers"):

* IIN = ``YYMMDD G NNNN C``: birth date; G = century and sex (1/2 = 1800s, 3/4 = 1900s,
  5/6 = 2000s; odd = male, even = female; 0 and 7-9 are invalid); a 4-digit serial; a check digit.
* BIN = ``YY MM T A NNNNN C``: registration year and month; T = 4 resident legal entity,
  5 non-resident, 6 joint individual entrepreneurship; A = 0 head office, 1 branch,
  2 representative office, 3 farm; the same check digit.
* Check digit: ``c = Σ d[i]·w1[i] mod 11`` with ``w1 = 1..11``; if ``c == 10`` recompute with
  ``w2 = 3..11, 1, 2``; if that is 10 again the number is never issued.

python-stdnum has no Kazakh module (its issue #114), hence this module.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Literal

W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}

Sex = Literal["male", "female"]


class InvalidIin(ValueError):
    """The number is not a valid IIN/BIN. `code` says why:

    ``format`` (not 12 digits), ``century_sex`` (digit 7 is 0 or 7-9), ``birth_date``
    (no such date), ``check_digit`` (wrong control digit), ``never_issued`` (control digit
    would be 10 under both weight sequences), ``entity_type`` / ``entity_kind`` /
    ``registration_month`` (BIN only).
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class IinInfo:
    iin: str
    birth_date: _dt.date
    sex: Sex
    century: int  # 1800, 1900 or 2000
    serial: str


@dataclass(frozen=True, slots=True)
class BinInfo:
    bin: str
    registered_year: int  # two digits as written (the century is not encoded)
    registered_month: int
    entity_type: int  # 4 resident legal entity, 5 non-resident, 6 joint individual entrepreneurship
    entity_kind: int  # 0 head office, 1 branch, 2 representative office, 3 farm


def check_digit(first11: str) -> int | None:
    """The control digit for the first 11 digits, or None if the number can never be issued."""
    digits = [int(ch) for ch in first11]
    c = sum(d * w for d, w in zip(digits, W1, strict=True)) % 11
    if c == 10:
        c = sum(d * w for d, w in zip(digits, W2, strict=True)) % 11
        if c == 10:
            return None
    return c


def _normalise(value: str) -> str:
    s = str(value).strip().replace(" ", "")
    if len(s) != 12 or not s.isascii() or not s.isdigit():
        raise InvalidIin("format", f"must be exactly 12 digits, got {value!r}")
    return s


def _check(s: str) -> None:
    expected = check_digit(s[:11])
    if expected is None:
        raise InvalidIin("never_issued", f"{s}: the control digit would be 10 twice; never issued")
    if expected != int(s[11]):
        raise InvalidIin("check_digit", f"{s}: wrong control digit (expected {expected})")


def validate_iin(value: str) -> IinInfo:
    """Validate an IIN and return what it encodes; raise `InvalidIin` with a reason code."""
    s = _normalise(value)
    g = int(s[6])
    if g not in _CENTURY:
        raise InvalidIin("century_sex", f"{s}: the 7th digit {g} is not a century/sex code (1-6)")
    year = _CENTURY[g] + int(s[0:2])
    try:
        born = _dt.date(year, int(s[2:4]), int(s[4:6]))
    except ValueError:
        raise InvalidIin("birth_date", f"{s}: {s[4:6]}.{s[2:4]}.{year} is not a date") from None
    _check(s)
    return IinInfo(
        iin=s, birth_date=born, sex="male" if g % 2 else "female", century=_CENTURY[g], serial=s[7:11]
    )


def is_valid_iin(value: str) -> bool:
    try:
        validate_iin(value)
    except InvalidIin:
        return False
    return True


def validate_bin(value: str) -> BinInfo:
    """Validate a BIN (legal entity number); raise `InvalidIin` with a reason code."""
    s = _normalise(value)
    month = int(s[2:4])
    if not 1 <= month <= 12:
        raise InvalidIin("registration_month", f"{s}: month {s[2:4]} does not exist")
    t, a = int(s[4]), int(s[5])
    if t not in (4, 5, 6):
        raise InvalidIin("entity_type", f"{s}: the 5th digit {t} is not an entity type (4, 5, 6)")
    if a not in (0, 1, 2, 3):
        raise InvalidIin("entity_kind", f"{s}: the 6th digit {a} is not an entity kind (0-3)")
    _check(s)
    return BinInfo(bin=s, registered_year=int(s[0:2]), registered_month=month, entity_type=t, entity_kind=a)


def make_iin(birth_date: _dt.date, sex: Sex, serial: int = 1) -> str:
    """A valid IIN for the birth date, sex and serial (0..9999).

    If the serial gives a number that can never be issued, the next serials are tried
    (wrapping around), so every call returns a valid IIN.
    """
    base = {1800: 1, 1900: 3, 2000: 5}.get(birth_date.year // 100 * 100)
    if base is None:
        raise ValueError(f"no IIN century code for year {birth_date.year}")
    g = base if sex == "male" else base + 1
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be between 0 and 9999")
    head = f"{birth_date:%y%m%d}{g}"
    for k in range(10000):
        first11 = f"{head}{(serial + k) % 10000:04d}"
        c = check_digit(first11)
        if c is not None:
            return f"{first11}{c}"
    raise AssertionError("unreachable: some serial always gives a control digit")  # pragma: no cover
