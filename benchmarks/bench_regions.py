"""What the region lookup (discl.regions.place) adds to ingesting a report.

For every report of the corpus (default ../shared/corpus), the file is read once; then the rest of
ingestion (metadata, recognition, the long-table rows: ``pipeline.document_to_result``) is timed
``--repeat`` times with the lookup and as often with the lookup replaced by a stub, alternately, one
core. Reading the file (the PDF/HTML parser) is timed too, so the share is given of the whole ingest.
The one-off cost of loading the division data and building the name index (once per worker process)
is reported separately.

    PYTHONPATH=. python benchmarks/bench_regions.py [--corpus DIR] [--repeat 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from discl import meta as meta_mod
from discl import regions
from discl.pipeline import document_to_result, file_to_result
from discl.sources import file_to_document


def _stub(agency: str, context: str = "") -> regions.Place:
    return regions.Place(agency)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    files = sorted(p for d in args.corpus.iterdir() if d.is_dir() for p in d.iterdir() if p.name.startswith("report."))
    if not files:
        sys.exit(f"no reports under {args.corpus}")

    t = time.perf_counter()
    regions.divisions(), regions.zones(), regions._index()
    cold = time.perf_counter() - t

    docs = [file_to_document(str(f)) for f in files]
    read = [min(_timed(lambda f=f: file_to_document(str(f))) for _ in range(3)) for f in files]
    with_lookup: list[float] = []
    without: list[float] = []
    lookup_only: list[float] = []
    real = meta_mod.place
    for _ in range(args.repeat):
        for doc in docs:
            meta_mod.place = real
            with_lookup.append(_timed(lambda d=doc: document_to_result(d, "x", "x")))
            meta_mod.place = _stub
            without.append(_timed(lambda d=doc: document_to_result(d, "x", "x")))
    meta_mod.place = real
    for doc in docs:
        m = meta_mod.document_to_meta(doc)
        if m.agency:
            lookup_only.append(min(_timed(lambda a=m.agency, c=m.title or "": regions.place(a, c))
                                   for _ in range(args.repeat)))
    file_to_result(str(files[0]))  # the whole path still runs

    n = len(docs)
    per_with = sum(with_lookup) / args.repeat / n
    per_without = sum(without) / args.repeat / n
    per_read = sum(read) / n
    added = per_with - per_without
    print(f"{n} reports, {args.repeat} rounds, one core")
    print(f"division data + name index, once per process: {cold * 1000:.1f} ms")
    print(f"place() alone: median {statistics.median(lookup_only) * 1e3:.3f} ms, max {max(lookup_only) * 1e3:.3f} ms")
    print(f"ingest per report: read {per_read * 1e3:.1f} ms + rest {per_without * 1e3:.1f} ms without the lookup, "
          f"{per_with * 1e3:.1f} ms with it")
    print(f"lookup adds {added * 1e3:.2f} ms per report = {100 * added / (per_read + per_without):.2f} % of ingest "
          f"(place() alone: {100 * statistics.median(lookup_only) / (per_read + per_without):.2f} %)")
    return 0


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    raise SystemExit(main())
