"""Demo: export the two sample batches with throw-away DEMO keys, verify them,
and optionally render the first page of each document type to PNG.

    python -m clearterm.devtools.demo_export OUT_DIR [--png DOCS_DIR] [--dpi 100]

PNG rendering needs ``pdftoppm`` (Debian package poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from clearterm.documents import export_batch, make_demo_keys, verify_batch
from clearterm.devtools.sample_batches import golden_batches

#: (png name, batch track, document path, page)
PNG_PAGES = (
    ("motion", "automatic", "motion-mc1.pdf", 1),
    ("motion-schedule-a", "automatic", "motion-mc1.pdf", 3),
    ("index", "automatic", "index.pdf", 1),
    ("order", "automatic", "orders/11CR0654321_P-0002.pdf", 1),
    ("objection", "petition", "objections/13CR0100200_P-0005.pdf", 1),
    ("no-objection", "petition", "no-objection/2016-MC1-220014_P-0004.pdf", 1),
    ("letter", "automatic", "letters.pdf", 1),          # English (Nguyễn: ZIP order, 60201 first)
    ("letter-es", "automatic", "letters.pdf", 4),       # Spanish (Muñoz)
    ("letter-granted", "letters", "letters-granted-en.pdf", 1),
    ("letter-granted-es", "letters", "letters-granted-es.pdf", 1),
)


def _ruled_letters(out: Path) -> Path:
    """The sample automatic batch as granted, its letters in English and in Spanish (unsigned:
    ``clearterm letters`` prints them for mailing, they are not court papers)."""
    from dataclasses import replace
    from datetime import date

    from clearterm.documents.letters import render_letters

    auto = golden_batches()[0]
    folder = out / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "es"):
        cases = tuple(replace(c, person=replace(c.person, language=lang), ruling_date=date(2024, 5, 2),
                              order_number="ORD-100") for c in auto.cases)
        data = render_letters(replace(auto, cases=cases), kind="granted", zip_order=True).data
        (folder / f"letters-granted-{lang}.pdf").write_bytes(data)
    return folder


def _shrink(png: Path) -> None:
    """Store the render as optimised 8-bit grey (a third of the size of RGB)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow comes with fpdf2
        return
    with Image.open(png) as im:
        grey = im.convert("L")
    grey.save(png, optimize=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Export and verify the demo batches.")
    ap.add_argument("out", type=Path)
    ap.add_argument("--png", type=Path, default=None, help="write PNG renders here")
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args(argv)

    ca, p12, passphrase = make_demo_keys(args.out / "demo-keys", signer_name=golden_batches()[0].signer_name)
    dirs = {}
    for batch in golden_batches():
        result = export_batch(batch, args.out, p12, passphrase)
        report = verify_batch(result.batch_dir, ca)
        dirs[batch.track] = result.batch_dir
        print(f"{result.batch_dir}: {result.documents} documents, {result.pages} pages; "
              f"{report.summary().splitlines()[0]}")
    dirs["letters"] = _ruled_letters(args.out)
    if args.png:
        if not shutil.which("pdftoppm"):
            print("pdftoppm not found (apt-get install poppler-utils)", file=sys.stderr)
            return 1
        args.png.mkdir(parents=True, exist_ok=True)
        for name, track, rel, page in PNG_PAGES:
            prefix = args.png / name
            subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(page), "-l",
                            str(page), "-singlefile", str(dirs[track] / rel), str(prefix)],
                           check=True)
            _shrink(Path(f"{prefix}.png"))
            print(f"{prefix}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
