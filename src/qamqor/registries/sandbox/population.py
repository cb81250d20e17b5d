"""The sandbox population: a deterministic synthetic country behind every registry interface.

Columnar NumPy arrays, generated vectorised from a seed (same seed and size → the same people,
byte for byte). Families with valid IINs (`qamqor.rules.iin`), children, marriages and divorces,
deaths, court decisions (parental rights deprived, incapacity, ...), convictions, dispensary
records, diseases of Order No. 692, school enrolments, targeted social assistance, and the
placements of children left without parental care (guardianship, foster family, patronage) with
the carers' training certificates.

Everything here is synthetic test data, not law: the rates are chosen so that every refusal
ground and every registry has people to show. Dates are relative to `as_of` (an argument; the
clock is never read).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qamqor.rules.iin import check_digit

NAT = np.datetime64("NaT", "D")
YEAR = 365.25
DEFAULT_AS_OF = dt.date(2026, 1, 1)
# Order No. 188 of 30.06.2023 repealed the patronage service (002 §1 item 7, see services.md):
# sandbox patronage placements are dated before it.
PATRONAGE_LAST_DAY = np.datetime64("2023-06-29", "D")

SURNAMES = (
    "Ахметов",
    "Сейтқалиев",
    "Жұмабаев",
    "Омаров",
    "Нұрланов",
    "Бекмұханов",
    "Тоқтаров",
    "Исаев",
    "Мұратов",
    "Серіков",
    "Қасымов",
    "Әбдірахманов",
    "Байжанов",
    "Сәрсенов",
    "Ермеков",
    "Жақсылықов",
    "Ибраев",
    "Дүйсенов",
    "Қалиев",
    "Мамыров",
    "Оспанов",
    "Рахимов",
    "Смағұлов",
    "Тұрсынов",
    "Ұзақов",
    "Шәріпов",
    "Ержанов",
    "Бейсенов",
    "Иванов",
    "Ким",
    "Петров",
    "Цой",
)
MALE_NAMES = (
    "Ерлан",
    "Асқар",
    "Нұрлан",
    "Данияр",
    "Арман",
    "Бауыржан",
    "Айдос",
    "Ержан",
    "Қайрат",
    "Мұхтар",
    "Әлихан",
    "Нұрсұлтан",
    "Темірлан",
    "Ерасыл",
    "Дәулет",
    "Санжар",
    "Марат",
    "Серік",
    "Тимур",
    "Алихан",
)
FEMALE_NAMES = (
    "Айгүл",
    "Гүлнар",
    "Әсел",
    "Дина",
    "Жанар",
    "Мадина",
    "Аружан",
    "Томирис",
    "Айым",
    "Сәуле",
    "Гүлжан",
    "Ақерке",
    "Жансая",
    "Дариға",
    "Назерке",
    "Алия",
    "Інжу",
    "Меруерт",
    "Аяулым",
    "Камила",
)
REGIONS = (
    "Астана",
    "Алматы",
    "Шымкент",
    "Абай облысы",
    "Ақмола облысы",
    "Ақтөбе облысы",
    "Алматы облысы",
    "Атырау облысы",
    "Батыс Қазақстан облысы",
    "Жамбыл облысы",
    "Жетісу облысы",
    "Қарағанды облысы",
    "Қостанай облысы",
    "Қызылорда облысы",
    "Маңғыстау облысы",
    "Павлодар облысы",
    "Солтүстік Қазақстан облысы",
    "Түркістан облысы",
    "Ұлытау облысы",
    "Шығыс Қазақстан облысы",
)
STREETS = ("Абай", "Достық", "Тәуелсіздік", "Сәтпаев", "Бейбітшілік", "Әл-Фараби", "Қабанбай батыр", "Жамбыл")
CLASS_LETTERS = ("А", "Ә", "Б", "В", "Г")
CITIZENSHIPS = ("KAZ", "RUS", "UZB", "KGZ")

COURT_KINDS = (
    "",
    "parental_rights_deprived",
    "parental_rights_limited",
    "incapable",
    "limited_capacity",
    "adoption_cancelled",
    "removed_as_guardian",
)
# Categories use the words of the guardianship grounds (001 annex 1 row 9 items 8 and 13).
CONVICTION_CATEGORIES = (
    "",
    "other",
    "murder",
    "intentional_harm_to_health",
    "public_health_morality",
    "sexual_inviolability",
    "extremism",
    "terrorism",
    "human_trafficking",
)
CONVICTION_ARTICLES = (
    "",
    "188",
    "99",
    "106",
    "296",
    "120",
    "174",
    "255",
    "128",
)  # Criminal Code articles (illustrative)
DISPENSARY_KINDS = ("", "narcological", "psychoneurological")
PLACEMENT_KINDS = ("", "guardianship", "foster_family", "patronage")
ROLES = ("mother", "father", "child")

# Column names and dtypes of a population file (all of length N).
COLUMNS: dict[str, str] = {
    "iin": "int64",
    "male": "bool",
    "birth": "datetime64[D]",
    "family": "int32",
    "role": "uint8",
    "mother": "int32",
    "father": "int32",
    "surname": "uint16",
    "first": "uint16",
    "patron": "uint16",
    "region": "uint8",
    "citizen": "uint8",
    "doc_number": "int64",
    "doc_issued": "datetime64[D]",
    "spouse": "int32",
    "married_on": "datetime64[D]",
    "divorced_on": "datetime64[D]",
    "died_on": "datetime64[D]",
    "court_kind": "uint8",
    "court_on": "datetime64[D]",
    "conv_cat": "uint8",
    "conv_on": "datetime64[D]",
    "conv_intentional": "bool",
    "conv_expunged": "bool",
    "conv_art35": "bool",
    "disp_kind": "uint8",
    "disp_on": "datetime64[D]",
    "disp_off": "datetime64[D]",
    "disease_on": "datetime64[D]",
    "school": "uint16",
    "grade": "uint8",
    "letter": "uint8",
    "tsa_from": "datetime64[D]",
    "guardian": "int32",
    "placement_kind": "uint8",
    "placed_on": "datetime64[D]",
    "placement_relative": "bool",
    "trained_on": "datetime64[D]",
}


def _years(n) -> np.ndarray:
    return np.round(np.asarray(n) * YEAR).astype("timedelta64[D]")


class _Progress:
    """A progress bar on stderr (tqdm), or nothing."""

    def __init__(self, enabled: bool, total: int, desc: str):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=True)

    def step(self, what: str, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(what, refresh=False)
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _assign_iins(
    birth: np.ndarray, male: np.ndarray, rng: np.random.Generator, progress: _Progress
) -> np.ndarray:
    """Valid, unique IINs: serials are ranks within (birth date, sex), check digits from `rules.iin`."""
    n = birth.size
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    century = np.where(y >= 2000, 5, np.where(y >= 1900, 3, 1))
    g = century + (~male).astype(np.int64)  # odd male, even female
    key = (birth.astype(np.int64) * 2 + male.astype(np.int64)).astype(np.int64)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - group_start
    offset = rng.integers(0, 3000, size=n)  # a per-person start, then made unique per group below
    group_offset = np.empty(n, np.int64)
    group_offset[order] = offset[order][group_start]  # one offset per (date, sex) group
    serial = group_offset + rank
    if serial.max() > 9999:
        raise ValueError("too many people share a birth date and sex (more than 7000)")
    head = ((y % 100) * 10000 + m * 100 + d) * 10 + g  # YYMMDD G
    first11 = head * 10000 + serial
    progress.step("serials")
    iin = np.empty(n, np.int64)
    never_issued: list[int] = []
    chunk = max(1, n // 8)
    for lo in range(0, n, chunk):
        idx = np.arange(lo, min(n, lo + chunk))
        for i, f in zip(idx.tolist(), first11[idx].tolist(), strict=True):
            c = check_digit(f"{f:011d}")
            if c is None:
                never_issued.append(i)
            else:
                iin[i] = f * 10 + c
        progress.step("check digits")
    if never_issued:  # such a number is never issued: take the highest free serial of that date and sex
        used = set(first11.tolist())
        for i in never_issued:
            h = int(head[i]) * 10000
            for s in range(9999, -1, -1):
                f = h + s
                if f in used:
                    continue
                c = check_digit(f"{f:011d}")
                if c is not None:
                    used.add(f)
                    first11[i] = f
                    iin[i] = f * 10 + c
                    break
            else:  # pragma: no cover - 10 000 serials never all fail
                raise AssertionError("no issuable serial left")
    return iin


def generate(people: int, seed: int, *, as_of: dt.date = DEFAULT_AS_OF, progress: bool = False) -> Population:
    """A synthetic population of exactly `people` persons (deterministic in `seed`, `people`, `as_of`)."""
    if people < 10:
        raise ValueError("the sandbox needs at least 10 people")
    chunks = -(-people // max(1, people // 8))
    bar = _Progress(progress, total=12 + chunks, desc=f"sandbox {people:,} people")
    rng = np.random.default_rng(seed)
    ref = np.datetime64(as_of, "D")

    # --- families ----------------------------------------------------------------------------
    nf = people // 2 + 16
    has_father = rng.random(nf) < 0.78
    n_children = rng.choice(5, size=nf, p=[0.14, 0.30, 0.31, 0.17, 0.08])
    size = 1 + has_father + n_children
    ends = np.cumsum(size)
    nf = int(np.searchsorted(ends, people) + 1)
    has_father, n_children, size, ends = has_father[:nf], n_children[:nf], size[:nf], ends[:nf]
    starts = ends - size
    mother_bd = ref - _years(rng.uniform(20, 75, nf))
    father_bd = mother_bd - _years(np.clip(rng.normal(3, 3, nf), -5, 15))
    surname = rng.integers(0, len(SURNAMES), nf).astype(np.uint16)
    region = rng.integers(0, len(REGIONS), nf).astype(np.uint8)
    married_on = mother_bd + _years(rng.uniform(18, 30, nf))
    married_on = np.where(has_father & (married_on <= ref), married_on, NAT)
    divorced = has_father & (rng.random(nf) < 0.12) & ~np.isnat(married_on)
    span = (ref - married_on).astype(np.int64)
    divorced_on = np.where(
        divorced, married_on + (rng.random(nf) * np.maximum(span, 1)).astype("timedelta64[D]"), NAT
    )
    tsa = rng.random(nf) < 0.05
    tsa_from = np.where(tsa, ref - rng.integers(0, 700, nf).astype("timedelta64[D]"), NAT)
    bar.step("families")

    # --- persons -----------------------------------------------------------------------------
    fam = np.repeat(np.arange(nf, dtype=np.int32), size)[:people]
    pos = np.arange(people) - starts[fam]
    hf = has_father[fam]
    role = np.where(pos == 0, 0, np.where((pos == 1) & hf, 1, 2)).astype(np.uint8)
    is_child = role == 2
    male = np.where(role == 0, False, np.where(role == 1, True, rng.random(people) < 0.51))
    mother_row = starts[fam].astype(np.int32)
    father_row = np.where(hf, starts[fam] + 1, -1)
    father_row = np.where(father_row < people, father_row, -1).astype(np.int32)  # the last family may be cut
    mother = np.where(is_child, mother_row, -1).astype(np.int32)
    father = np.where(is_child, father_row, -1).astype(np.int32)
    spouse = np.where(role == 0, father_row, np.where(role == 1, mother_row, -1)).astype(np.int32)
    spouse = np.where((spouse >= people) | np.isnat(married_on[fam]), -1, spouse).astype(np.int32)
    room = np.minimum((ref - mother_bd[fam]).astype(np.int64) - int(19 * YEAR), int(25 * YEAR))
    child_bd = (
        mother_bd[fam] + int(19 * YEAR) + (rng.random(people) * np.maximum(room, 1)).astype("timedelta64[D]")
    )
    birth = np.where(role == 0, mother_bd[fam], np.where(role == 1, father_bd[fam], child_bd))
    birth = np.minimum(birth, ref - np.timedelta64(1, "D"))
    age = (ref - birth).astype(np.int64) / YEAR
    adult = age >= 18
    minor = ~adult
    bar.step("persons")

    first = np.where(
        male, rng.integers(0, len(MALE_NAMES), people), rng.integers(0, len(FEMALE_NAMES), people)
    )
    patron = rng.integers(0, len(MALE_NAMES), people)
    father_first = np.where(father >= 0, first[np.maximum(father, 0)], patron)
    patron = np.where(is_child & (father >= 0), father_first, patron).astype(np.uint16)
    citizen = np.where(rng.random(people) < 0.98, 0, rng.integers(1, len(CITIZENSHIPS), people)).astype(
        np.uint8
    )
    doc_number = np.where(age >= 16, 10_000_000 * 10 + rng.permutation(people).astype(np.int64), 0)
    doc_issued = np.where(
        age >= 16,
        np.maximum(birth + _years(16), ref - rng.integers(1, 3650, people).astype("timedelta64[D]")),
        birth + np.timedelta64(10, "D"),
    )
    doc_issued = np.minimum(doc_issued, ref)
    bar.step("identity")

    iin = _assign_iins(birth, male, rng, bar)
    if np.unique(iin).size != people:
        raise AssertionError("duplicate IINs in the sandbox")
    bar.step("IIN unique")

    # --- deaths, courts ------------------------------------------------------------------------
    parent = role < 2
    died = parent & (rng.random(people) < np.where(male, 0.03, 0.025))
    died |= adult & ~parent & (rng.random(people) < 0.004)
    died_on = np.where(
        died, ref - (rng.random(people) * np.minimum(age - 1, 10) * YEAR).astype("timedelta64[D]"), NAT
    )
    youngest = np.full(nf, np.datetime64("1900-01-01", "D"))
    np.maximum.at(youngest, fam[is_child], birth[is_child])
    # a parent dies after the youngest child's birth (and before `as_of`)
    died_on = np.where(
        parent & died,
        np.minimum(
            ref - np.timedelta64(1, "D"), np.maximum(died_on, youngest[fam] + np.timedelta64(30, "D"))
        ),
        died_on,
    )
    court_kind = np.zeros(people, np.uint8)
    u = rng.random(people)
    deprived = parent & ~died & (u < np.where(male, 0.03, 0.025))
    court_kind[deprived] = 1
    court_kind[parent & ~died & ~deprived & (u < 0.034)] = 2  # limited
    v = rng.random(people)
    others = adult & (court_kind == 0)
    court_kind[others & (v < 0.003)] = 3
    court_kind[others & (v >= 0.003) & (v < 0.005)] = 4
    court_kind[others & (v >= 0.005) & (v < 0.006)] = 5
    court_kind[others & (v >= 0.006) & (v < 0.007)] = 6
    court_on = np.where(
        court_kind > 0,
        np.minimum(
            ref - np.timedelta64(1, "D"),
            np.maximum(
                ref - rng.integers(30, int(8 * YEAR), people).astype("timedelta64[D]"),
                youngest[fam] + np.timedelta64(60, "D"),
            ),
        ),
        NAT,
    )
    court_on = np.where((court_kind > 0) & (court_on <= birth + _years(18)), birth + _years(18), court_on)
    bar.step("courts")

    # --- convictions, health ------------------------------------------------------------------
    convicted = adult & (rng.random(people) < 0.03)
    conv_cat = np.where(
        convicted,
        rng.choice(np.arange(1, 9), size=people, p=[0.70, 0.05, 0.10, 0.05, 0.04, 0.02, 0.02, 0.02]),
        0,
    ).astype(np.uint8)
    conv_on = np.where(
        convicted,
        np.maximum(
            birth + _years(18), ref - rng.integers(30, int(20 * YEAR), people).astype("timedelta64[D]")
        ),
        NAT,
    )
    conv_intentional = convicted & ((conv_cat > 1) | (rng.random(people) < 0.6))
    conv_expunged = convicted & (rng.random(people) < 0.4)
    conv_art35 = convicted & (rng.random(people) < 0.03)
    bar.step("convictions")
    disp = adult & (rng.random(people) < 0.02)
    disp_kind = np.where(disp, rng.integers(1, 3, people), 0).astype(np.uint8)
    disp_on = np.where(
        disp,
        np.maximum(birth + _years(18), ref - rng.integers(30, 4000, people).astype("timedelta64[D]")),
        NAT,
    )
    off = disp & (rng.random(people) < 0.3)
    disp_off = np.where(
        off, np.minimum(ref, disp_on + rng.integers(100, 2000, people).astype("timedelta64[D]")), NAT
    )
    disease_on = np.where(
        adult & (rng.random(people) < 0.01),
        np.maximum(birth + _years(1), ref - rng.integers(30, 4000, people).astype("timedelta64[D]")),
        NAT,
    )
    bar.step("health")

    # --- school, assistance ---------------------------------------------------------------------
    in_school = minor & (age >= 6) & (rng.random(people) < 0.97)
    grade = np.where(in_school, np.clip(np.floor(age).astype(np.int64) - 5, 1, 11), 0).astype(np.uint8)
    school = np.where(
        in_school, 1 + (region[fam].astype(np.int64) * 150 + rng.integers(0, 150, people)) % 3000, 0
    ).astype(np.uint16)
    letter = np.where(in_school, rng.integers(0, len(CLASS_LETTERS), people), 0).astype(np.uint8)
    fam_tsa = np.where(role == 0, tsa_from[fam], NAT)
    bar.step("schools")

    # --- children left without parental care and their placements ------------------------------
    lost_mother = ~np.isnat(died_on[mother_row]) | (court_kind[mother_row] == 1)
    f_ok = father_row >= 0
    fr = np.maximum(father_row, 0)
    lost_father = ~f_ok | ~np.isnat(died_on[fr]) | (court_kind[fr] == 1)
    no_care = is_child & minor & lost_mother & lost_father
    no_care |= is_child & minor & (rng.random(people) < 0.001)
    fam_needs = np.zeros(nf, bool)
    fam_needs[fam[no_care]] = True
    eligible = np.flatnonzero(
        adult
        & (age >= 25)
        & (age <= 70)
        & (court_kind == 0)
        & (conv_cat == 0)
        & (disp_kind == 0)
        & np.isnat(died_on)
        & np.isnat(disease_on)
        & (citizen == 0)
    )
    needy_fams = np.flatnonzero(fam_needs)
    placed_fam = needy_fams[rng.random(needy_fams.size) < 0.85]
    fam_guardian = np.full(nf, -1, np.int64)
    if eligible.size and placed_fam.size:
        fam_guardian[placed_fam] = rng.choice(eligible, size=placed_fam.size)
    fam_guardian = np.where(fam_guardian == starts, -1, fam_guardian)
    fam_kind = rng.choice(np.arange(1, 4), size=nf, p=[0.75, 0.20, 0.05]).astype(np.uint8)
    fam_relative = rng.random(nf) < 0.6
    guardian = np.where(no_care, fam_guardian[fam], -1).astype(np.int32)
    has_guardian = guardian >= 0
    placed_on = np.where(
        has_guardian,
        np.minimum(
            ref - np.timedelta64(1, "D"),
            np.maximum(
                birth + np.timedelta64(30, "D"),
                ref - rng.integers(1, int(6 * YEAR), people).astype("timedelta64[D]"),
            ),
        ),
        NAT,
    )
    kind = np.where(has_guardian, fam_kind[fam], 0).astype(np.uint8)
    patronage = kind == 3
    too_late = patronage & (birth + np.timedelta64(30, "D") > PATRONAGE_LAST_DAY)
    kind[too_late] = 1
    placed_on = np.where(patronage & ~too_late, np.minimum(placed_on, PATRONAGE_LAST_DAY), placed_on)
    relative = has_guardian & fam_relative[fam]
    bar.step("placements")
    # Training certificates: non-relative carers were trained before the placement; some relatives
    # brought theirs afterwards; some other adults are candidates wishing to take a child.
    trained_on = np.full(people, NAT)
    g_rows = guardian[has_guardian]
    g_placed = placed_on[has_guardian]
    g_rel = relative[has_guardian]
    g_u = rng.random(g_rows.size)
    g_trained = np.where(
        ~g_rel,
        g_placed - rng.integers(10, 400, g_rows.size).astype("timedelta64[D]"),
        np.where(g_u < 0.4, g_placed + rng.integers(10, 300, g_rows.size).astype("timedelta64[D]"), NAT),
    )
    g_trained = np.where(~np.isnat(g_trained) & (g_trained > ref), NAT, g_trained)
    trained_on[g_rows] = g_trained
    candidates = np.flatnonzero(
        adult & np.isnat(trained_on) & (court_kind == 0) & (rng.random(people) < 0.002)
    )
    trained_on[candidates] = ref - rng.integers(1, 1500, candidates.size).astype("timedelta64[D]")
    bar.step("training")

    cols = {
        "iin": iin,
        "male": male,
        "birth": birth,
        "family": fam,
        "role": role,
        "mother": mother,
        "father": father,
        "surname": surname[fam],
        "first": first.astype(np.uint16),
        "patron": patron,
        "region": region[fam],
        "citizen": citizen,
        "doc_number": doc_number,
        "doc_issued": doc_issued,
        "spouse": spouse,
        "married_on": np.where(spouse >= 0, married_on[fam], NAT),
        "divorced_on": np.where(spouse >= 0, divorced_on[fam], NAT),
        "died_on": died_on,
        "court_kind": court_kind,
        "court_on": court_on,
        "conv_cat": conv_cat,
        "conv_on": conv_on,
        "conv_intentional": conv_intentional,
        "conv_expunged": conv_expunged,
        "conv_art35": conv_art35,
        "disp_kind": disp_kind,
        "disp_on": disp_on,
        "disp_off": disp_off,
        "disease_on": disease_on,
        "school": school,
        "grade": grade,
        "letter": letter,
        "tsa_from": fam_tsa,
        "guardian": guardian,
        "placement_kind": kind,
        "placed_on": placed_on,
        "placement_relative": relative,
        "trained_on": trained_on,
    }
    cols = {k: np.ascontiguousarray(v, dtype=COLUMNS[k]) for k, v in cols.items()}
    bar.step("columns")
    bar.close()
    return Population(cols, seed=seed, as_of=as_of)


@dataclass
class Population:
    """The columns and lazily built indexes (IIN → row; parent → children; guardian → wards)."""

    cols: dict[str, np.ndarray]
    seed: int
    as_of: dt.date
    _iin_sorted: np.ndarray | None = field(default=None, repr=False)
    _iin_order: np.ndarray | None = field(default=None, repr=False)
    _child_index: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.cols["iin"].size)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    # --- files ---------------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        meta = np.array([self.seed, self.as_of.toordinal()], dtype=np.int64)
        np.savez(tmp, __meta__=meta, **self.cols)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> Population:
        with np.load(Path(path)) as data:
            meta = data["__meta__"]
            cols = {k: data[k] for k in COLUMNS}
        return cls(cols, seed=int(meta[0]), as_of=dt.date.fromordinal(int(meta[1])))

    # --- lookups -------------------------------------------------------------------------------
    def row(self, iin: str | int) -> int | None:
        """The row of a person, or None (binary search on the sorted IINs)."""
        try:
            key = int(iin)
        except (TypeError, ValueError):
            return None
        if self._iin_sorted is None:
            order = np.argsort(self.cols["iin"], kind="stable")
            self._iin_order, self._iin_sorted = order, self.cols["iin"][order]
        i = int(np.searchsorted(self._iin_sorted, key))
        if i < self._iin_sorted.size and int(self._iin_sorted[i]) == key:
            return int(self._iin_order[i])
        return None

    def rows_where(self, column: str, value: int) -> np.ndarray:
        """Rows whose `column` (mother, father, guardian, spouse) equals `value`, via a sorted index."""
        idx = self._child_index.get(column)
        if idx is None:
            col = self.cols[column]
            order = np.argsort(col, kind="stable")
            idx = (order, col[order])
            self._child_index[column] = idx
        order, sorted_col = idx
        lo, hi = np.searchsorted(sorted_col, value, "left"), np.searchsorted(sorted_col, value, "right")
        return np.sort(order[lo:hi])

    def iin_of(self, row: int) -> str:
        return f"{int(self.cols['iin'][row]):012d}"

    def date(self, column: str, row: int) -> dt.date | None:
        v = self.cols[column][row]
        return None if np.isnat(v) else v.astype(object)

    def age(self, row: int, on: dt.date) -> int:
        b = self.date("birth", row)
        if b is None:  # every generated person has a birth date; a hand-edited population may not
            raise ValueError(f"person {row} has no birth date")
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    def names(self, row: int) -> tuple[str, str, str]:
        """(last, first, middle) in the Kazakh forms."""
        male = bool(self.cols["male"][row])
        sur = SURNAMES[int(self.cols["surname"][row])]
        if not male and sur.endswith(("ов", "ев", "ин")):
            sur += "а"
        first = (MALE_NAMES if male else FEMALE_NAMES)[int(self.cols["first"][row])]
        middle = MALE_NAMES[int(self.cols["patron"][row])] + ("ұлы" if male else "қызы")
        return sur, first, middle

    def address(self, row: int) -> str:
        fam = int(self.cols["family"][row])
        return f"{REGIONS[int(self.cols['region'][row])]}, {STREETS[fam % len(STREETS)]} к-сі, {1 + fam % 180} үй, {1 + fam % 97} п."

    # --- samples (for the demo, the CLI and the tests) -------------------------------------------
    def placed_children(self, kind: str | None = None) -> np.ndarray:
        rows = self.cols["guardian"] >= 0
        if kind is not None:
            rows &= self.cols["placement_kind"] == PLACEMENT_KINDS.index(kind)
        return np.flatnonzero(rows)
