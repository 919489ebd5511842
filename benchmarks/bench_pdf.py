"""Benchmark the PDF reader against ``pdftotext -layout`` on the same files, on one core.

Usage: python benchmarks/bench_pdf.py [--corpus DIR] [--copies N] [--engine pdfium|pdfplumber] [--full]

``--full`` times the whole reading of a report (``discl.read_report``: reader, recognition, checks) instead
of the PDF reader alone. To compare two checkouts, run the script of each in the same session
(``PYTHONPATH=checkout python checkout/benchmarks/bench_pdf.py``) and compare the printed ratios.

The corpus PDFs are copied (round robin) into a temporary directory until there are at least N files
(default 50), so file-system caching treats every file alike. Prints seconds per report (median, p90)
for discl and for pdftotext, their ratio, and the peak RSS of this process (discl) and of the
pdftotext children.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from discl.sources.pdf import pdf_to_document  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def make_files(corpus: Path, copies: int, out_dir: Path) -> list[Path]:
    sources = sorted(corpus.glob("*/report.pdf"))
    if not sources:
        sys.exit(f"no */report.pdf under {corpus}")
    files = []
    for i in range(max(copies, len(sources))):
        src = sources[i % len(sources)]
        dst = out_dir / f"{i:03d}-{src.parent.name}.pdf"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def time_discl(files: list[Path], engine: str, full: bool = False) -> list[float]:
    if full:
        import discl

        def run(f: Path) -> None:
            rep = discl.read_report(f)
            assert rep.meta["status"] != "failed", rep.meta["error"]
    else:
        def run(f: Path) -> None:
            assert pdf_to_document(str(f), engine=engine).blocks, f
    run(files[0])  # warm-up: imports, font tables
    times = []
    for f in files:
        t = time.perf_counter()
        run(f)
        times.append(time.perf_counter() - t)
    return times


def time_pdftotext(files: list[Path]) -> list[float]:
    exe = shutil.which("pdftotext")
    if exe is None:
        sys.exit("pdftotext not found: apt-get install -y poppler-utils")
    times = []
    for f in files:
        t = time.perf_counter()
        subprocess.run([exe, "-layout", str(f), "-"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("DISCL_CORPUS", DEFAULT_CORPUS)))
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--engine", default="pdfium", choices=["pdfium", "pdfplumber"])
    ap.add_argument("--full", action="store_true", help="time discl.read_report, not only the PDF reader")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, inherited by children
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(args.corpus, args.copies, Path(tmp))
        ours = time_discl(files, args.engine, args.full)
        theirs = time_pdftotext(files)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    med_o, med_t = statistics.median(ours), statistics.median(theirs)
    print(f"files: {len(files)} ({len(set(f.name.split('-', 1)[1] for f in files))} distinct reports), "
          f"engine={args.engine}, one core")
    what = "read_report   " if args.full else "pdf_to_document"
    print(f"discl {what}: median {med_o:.3f} s/report, p90 {percentile(ours, 0.9):.3f} s")
    print(f"pdftotext -layout     : median {med_t:.3f} s/report, p90 {percentile(theirs, 0.9):.3f} s")
    print(f"ratio discl/pdftotext : {med_o / med_t:.2f} (median)")
    # a child's max RSS counts the forked copy of this process before exec, so it is an upper bound
    print(f"peak RSS              : discl process {self_rss:.0f} MB "
          f"(pdftotext children <= {child_rss:.0f} MB, includes the pre-exec fork)")


if __name__ == "__main__":
    main()
