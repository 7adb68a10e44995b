"""Benchmark: export and sign a synthetic batch (default 10,000 automatic-track cases).

Reports the overall pages per second of ``export_batch`` (render + sign every
PDF, hash, signed manifest; all cores) and compares it with a bare fpdf2
loop writing the same number of simple text pages (one document, the same
embedded serif font, no layout engine, no signing, one process).

    python benchmarks/bench_documents.py                 # 10,000 cases
    python benchmarks/bench_documents.py --cases 1000 --verify

The target from the issue is >= 40 pages/s overall on a 2-core machine.
Other processes on the machine slow the numbers down; the load average at
the start and the CPU seconds used are printed so a run can be judged.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearterm.documents import export_batch, make_demo_keys, verify_batch  # noqa: E402
from clearterm.documents.fonts import FAMILY, font_path  # noqa: E402
from clearterm.devtools.sample_batches import sample_batch  # noqa: E402

LINE = "The quick brown fox jumps over the lazy dog; O'Brien, Muñoz and Nguyễn. 0123456789"


def bare_fpdf2(pages: int, path: Path) -> float:
    """Seconds for a plain fpdf2 loop writing ``pages`` simple text pages to ``path``."""
    from fpdf import FPDF

    start = time.perf_counter()
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_font(FAMILY, "", str(font_path("")))
    pdf.set_font(FAMILY, "", 11)
    for i in range(pages):
        pdf.add_page()
        for j in range(30):
            pdf.text(72, 90 + j * 20, f"{i}.{j} {LINE}")
    pdf.output(str(path))
    return time.perf_counter() - start


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--out", type=Path, default=None, help="keep the batch here (default: temp)")
    ap.add_argument("--verify", action="store_true", help="also time verify_batch")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    out = args.out or tmp / "out"
    try:
        ca, p12, pw = make_demo_keys(tmp / "keys", signer_name="Jane Q. Prosecutor")  # the signer's name
        batch = sample_batch(args.cases)
        load = os.getloadavg()[0]
        workers = args.workers or os.cpu_count() or 1
        print(f"clearterm documents benchmark: {args.cases} cases, {workers} worker processes, "
              f"{os.cpu_count()} cores, load average {load:.2f} at start")

        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 10 or done == total:
                last[0] = now
                print(f"  {done}/{total} documents", flush=True)

        cpu0 = cpu_seconds()
        result = export_batch(batch, out, p12, pw, workers=args.workers, progress=progress)
        cpu = cpu_seconds() - cpu0
        export_rate = result.pages / result.seconds

        bare_s = bare_fpdf2(result.pages, tmp / "bare.pdf")
        bare_rate = result.pages / bare_s

        res = {
            "cases": args.cases,
            "documents": result.documents,
            "pages": result.pages,
            "export_seconds": round(result.seconds, 2),
            "export_pages_per_second": round(export_rate, 1),
            "export_cpu_seconds": round(cpu, 1),
            "export_pages_per_cpu_second": round(result.pages / cpu, 1) if cpu else None,
            "bare_fpdf2_seconds": round(bare_s, 2),
            "bare_fpdf2_pages_per_second": round(bare_rate, 1),
            "ratio_export_to_bare": round(export_rate / bare_rate, 3),
            "target_pages_per_second": 40,
            "meets_target": export_rate >= 40,
            "load_average_start": round(load, 2),
        }
        print(f"export+sign : {result.pages} pages, {result.documents} documents in "
              f"{result.seconds:.1f} s -> {export_rate:.1f} pages/s overall "
              f"({cpu:.0f} CPU s, {res['export_pages_per_cpu_second']} pages per CPU s)")
        print(f"bare fpdf2  : {result.pages} simple pages in {bare_s:.1f} s -> "
              f"{bare_rate:.1f} pages/s (1 process, no layout, no signing)")
        print(f"ratio       : export is {export_rate / bare_rate:.2f}x the bare fpdf2 loop; "
              f"target 40 pages/s {'MET' if export_rate >= 40 else 'NOT MET'}")
        if args.verify:
            t = time.perf_counter()
            report = verify_batch(result.batch_dir, ca, workers=args.workers)
            vs = time.perf_counter() - t
            res.update(verify_seconds=round(vs, 1), verify_ok=report.ok)
            print(f"verify      : {report.documents_verified} documents in {vs:.1f} s, "
                  f"{'OK' if report.ok else 'FAILED'}")
        if args.json:
            print(json.dumps(res, indent=2))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
