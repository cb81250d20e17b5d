"""Documents benchmark: render, sign and store 1,000 meeting permissions; verify them.

    python bench/documents.py [--n 1000] [--workers 1] [--verify 2000]

In a scratch data folder (fresh SQLite database, sandbox CA and keys, files by hash):

1. **issue**: `documents.services.issue("meeting_permission", ...)` N times, each for another
   applicant, child and period (render with Typst, sign PAdES with pyHanko, store the file, write
   the row); documents per second, and the share of the time spent rendering, signing and the
   rest (hashing, storage, database). `--workers` > 1 issues from that many processes at once.
2. **baseline** (same run): the bare libraries on the same inputs, no Django, no storage: one Typst
   compile of the same template + one pyHanko signature; documents per CPU-second. Ours ÷ baseline
   (per CPU-second, so other agents' load cancels out) is what the documents layer costs.
3. **verify**: `verify_code()` on random issued codes (the QR code / short code path, what the
   public page and the API do) and `verify_pdf()` on issued files (signature + hash + standing),
   per second; baseline: the bare database lookup by code.

Targets (issue 12): ≥ 25 signed and stored documents per second, ≥ 200 verifications per second
on the 2-core machine. Other agents share the CPU: figures vary from run to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ORG = "EDU-BENCH-01"
SURNAMES = ["Әбілқасымова", "Нұрғалиев", "Құдайбергенов", "Өмірзақова", "Үсенов", "Ғабдуллина", "Іңкәров"]
NAMES = ["Гүлнұр", "Ерұлан", "Әсел", "Нұрлан", "Айгүл", "Дәурен", "Һидаят"]


def context(i: int) -> dict:
    r = random.Random(i)
    start = dt.date(2026, 12, 1) + dt.timedelta(days=r.randrange(0, 60))
    return {
        "organisation": {"name": "Қарағанды қаласының білім бөлімі"},
        "officer": {"name": "Нұрғалиев Өмірзақ Қайратұлы", "position": "бас маман"},
        "recipient": {
            "name": f"{r.choice(SURNAMES)} {r.choice(NAMES)} #{i}",
            "iin": f"{r.randrange(10**11, 10**12)}",
            "address": f"Қарағанды қ., Өңірлік көшесі {r.randrange(1, 200)}",
        },
        "children": [
            {
                "name": f"{r.choice(SURNAMES)} {r.choice(NAMES)}",
                "birth_date": dt.date(2012 + r.randrange(0, 8), r.randrange(1, 13), r.randrange(1, 28)),
                "placement": "Қамқоршылықта",
            }
        ],
        "period": {"from": start, "until": start + dt.timedelta(days=180)},
        "issued_on": dt.date(2026, 12, 1),
    }


def setup_django(data_dir: str) -> None:
    os.environ["QAMQOR_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    import django

    django.setup()


class Timed:
    """Wraps a function to add up its wall time."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *a, **k):
        t = time.perf_counter()
        try:
            return self.fn(*a, **k)
        finally:
            self.seconds += time.perf_counter() - t


def issue_range(data_dir: str, start: int, stop: int) -> tuple[float, float, float, float]:
    """Issue documents start..stop-1 in this process; (wall, render seconds, sign seconds, CPU seconds)."""
    setup_django(data_dir)
    from qamqor.documents import rendering, services, signing

    render, sign = Timed(rendering.render), Timed(signing.sign)
    services.rendering.render, services.signing.sign = render, sign
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(start, stop):
        services.issue("meeting_permission", "kk" if i % 4 else "ru", context(i), ORG, f"application:{i}")
    return time.perf_counter() - t, render.seconds, sign.seconds, time.process_time() - cpu


def baseline(n: int) -> float:
    """Bare Typst + pyHanko on the same inputs (no Django, no storage): seconds for n documents."""
    import io
    import json

    import typst
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from qamqor.documents import registry, rendering, signing

    compiler = typst.Compiler(
        str(registry.FORMS_DIR / "meeting_permission.typ"),
        root=str(registry.FORMS_DIR),
        ignore_system_fonts=True,
    )
    signer = signing.signer_for(ORG)
    meta = signers.PdfSignatureMetadata(field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES)
    url = "http://localhost:8000/verify/ABCD-EFGH-JKMN"
    qr = rendering.qr_svg(url)
    t = time.process_time()
    for i in range(n):
        data = rendering.format_value(context(10**6 + i))
        data.update(lang="kk", kind="meeting_permission", verify={"code": "ABCD-EFGH-JKMN", "url": url})
        pdf = compiler.compile(sys_inputs={"data": json.dumps(data, ensure_ascii=False), "qr": qr})
        signers.PdfSigner(meta, signer=signer).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=12288
        )
    return time.process_time() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--verify", type=int, default=2000, help="verify_code calls")
    ap.add_argument("--verify-pdf", type=int, default=300, help="verify_pdf calls")
    ap.add_argument("--baseline", type=int, default=200, help="documents in the bare-library baseline")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="qamqor-bench-docs-") as data_dir:
        setup_django(data_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from qamqor.documents import services, verification
        from qamqor.documents.models import IssuedDocument

        # warm-up outside the timing: the sandbox CA and key, Typst's fonts, the first compile
        services.issue("meeting_permission", "kk", context(-1), ORG, "application:warm-up")

        print(f"issuing {args.n} permissions with {args.workers} process(es) (cores: {os.cpu_count()}) …")
        bounds = [(args.n * w // args.workers, args.n * (w + 1) // args.workers) for w in range(args.workers)]
        t = time.perf_counter()
        if args.workers == 1:
            parts = [issue_range(data_dir, *bounds[0])]
        else:
            with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
                parts = pool.starmap(issue_range, [(data_dir, a, b) for a, b in bounds])
        wall = time.perf_counter() - t
        issued = IssuedDocument.objects.exclude(owner_ref="application:warm-up").count()
        busy = sum(p[0] for p in parts)
        render_s, sign_s, cpu_s = sum(p[1] for p in parts), sum(p[2] for p in parts), sum(p[3] for p in parts)
        rate = issued / wall
        files = sum(1 for p in Path(data_dir, "documents").rglob("*.pdf"))
        print(f"  ours:     {rate:7.1f} documents/s  ({issued} rows, {files} files, {wall:.2f} s wall)")
        print(f"            {issued / cpu_s:7.1f} documents per CPU-second of the issuing process(es)")
        print(
            f"  where the time goes: rendering {render_s / busy:5.1%}, signing {sign_s / busy:5.1%}, "
            f"hashing + storage + database {1 - (render_s + sign_s) / busy:5.1%}"
        )
        b = baseline(args.baseline)
        base_rate = args.baseline / b
        print(f"  baseline: {base_rate:7.1f} documents per CPU-second (bare Typst + pyHanko, no storage)")
        print(f"  ours ÷ baseline, per CPU-second: {issued / cpu_s / base_rate:.2f}")

        docs = list(IssuedDocument.objects.values_list("code", flat=True))
        picks = [random.choice(docs) for _ in range(args.verify)]
        t = time.perf_counter()
        for code in picks:
            assert verification.verify_code(services.display_code(code)).document is not None
        code_rate = args.verify / (time.perf_counter() - t)
        t = time.perf_counter()
        for code in picks:
            IssuedDocument.objects.filter(code=code).first()
        lookup_rate = args.verify / (time.perf_counter() - t)
        pdfs = [services.document_bytes(d) for d in IssuedDocument.objects.all()[: args.verify_pdf]]
        t = time.perf_counter()
        for data in pdfs:
            assert verification.verify_pdf(data).genuine
        pdf_rate = len(pdfs) / (time.perf_counter() - t)
        print(f"verify by code: {code_rate:8.1f} /s   baseline (bare lookup by code): {lookup_rate:8.1f} /s")
        print(f"verify a PDF:   {pdf_rate:8.1f} /s   (pyHanko signature validation + hash + standing)")

        ok_issue, ok_verify = rate >= 25, code_rate >= 200
        print(f"target ≥ 25 documents/s: {'PASS' if ok_issue else 'FAIL'} ({rate:.1f})")
        print(
            f"target ≥ 200 verifications/s: {'PASS' if ok_verify else 'FAIL'} (by code {code_rate:.0f}; PDF {pdf_rate:.0f})"
        )
        try:
            load = os.getloadavg()
            print(f"load average during the run: {load[0]:.2f} (other agents share the CPU)")
        except OSError:
            pass
        return 0 if ok_issue and ok_verify else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.exit(main())
