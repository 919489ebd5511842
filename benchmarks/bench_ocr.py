"""Benchmark the OCR path: scanned copies of reports against the text-layer path on the same reports.

Usage: python benchmarks/bench_ocr.py [--corpus DIR] [--rendered N] [--dpi 150 200] [--tesseract]

The inputs are the corpus PDFs and N reports rendered by discl (both templates), each read twice in a
child process of its own, on one core (``DISCL_OCR_THREADS=1``): the text-layer PDF, and an image-only
scan of it made by :mod:`discl.render.scan` (rotated, greyed, speckled, sealed, JPEG). Prints, per file
and in total: seconds per report and per OCR'd page, the peak RSS of each child, and how many figures of
the scan agree with the text-layer read (same / missing and flagged / silently different).

``--tesseract`` also reads every table cell of the scans' OCR'd pages with Tesseract 5 (``chi_sim``,
Debian's ``tesseract-ocr-chi-sim``, through ``pytesseract``) on the same cell images RapidOCR sees, and
prints both engines' agreement with the text layer and their time: the comparison behind the choice of
engine (:mod:`discl.sources.ocr.engine`).
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _read(path: str, queue) -> None:
    os.environ["DISCL_OCR_THREADS"] = "1"
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    import discl
    from discl.sources import file_to_document

    t = time.perf_counter()
    rep = discl.read_report(path)
    seconds = time.perf_counter() - t
    pages = len(file_to_document(path).ocr_pages) if path.endswith("scan.pdf") else 0
    v = rep.values
    cells = {f"{a}|{b}|{c}": (None if math.isnan(x) else x) for a, b, c, x in zip(v["table"], v["row"], v["col"], v["value"])}
    queue.put({"seconds": seconds, "rss_mb": _peak_rss_mb(),
               "cells": cells, "ocr_pages": pages, "status": rep.meta["status"]})


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not getrusage: Linux carries a parent's ru_maxrss into its children
    across fork and exec, so a child would report the parent's peak; VmHWM is the child's own."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(path: Path) -> dict:
    queue = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=_read, args=(str(path), queue))
    p.start()
    out = queue.get()
    p.join()
    return out


def compare(text: dict, scan: dict) -> tuple[int, int, int]:
    same = flagged = wrong = 0
    for k, v in text["cells"].items():
        if v is None:
            continue
        got = scan["cells"].get(k)
        if got is None:
            flagged += 1
        elif abs(got - v) < 1e-6:
            same += 1
        else:
            wrong += 1
    return same, flagged, wrong


def tesseract_cells(scan: Path, dpi: int) -> tuple[float, float, int, int]:
    """(seconds RapidOCR, seconds Tesseract, cells RapidOCR read as digits, cells Tesseract read the
    same as RapidOCR) over the value cells of the scan's table pages."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium
    import pytesseract
    from PIL import Image

    from discl.sources.ocr import page_image
    from discl.sources.ocr import page as P
    from discl.sources.ocr.engine import engine
    from discl.sources.ocr.raster import binarize
    from discl.sources.ocr.rules import ink_to_rules, rules_to_edges
    from discl.sources.pdf.pages import find_cell_boxes

    pdf = pdfium.PdfDocument(str(scan))
    t_rapid = t_tess = 0.0
    n_digits = n_agree = 0
    for i in range(len(pdf)):
        pg = pdf[i]
        w, h = pg.get_size()
        p = page_image(pg.render(scale=dpi / 72).to_pil().convert("RGB"), w, h)
        ink = binarize(p.grey)
        hh, vv = ink_to_rules(ink, p.scale)
        edges = rules_to_edges(hh, vv, p.scale)
        marks = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(cv2.bitwise_or(hh, vv), np.ones((3, 3), np.uint8))))
        text_ink = P._drop_specks(marks, p.scale)
        lines = [ln for table in find_cell_boxes(edges) for box in table
                 for ln in P._cell_lines(text_ink, tuple(int(round(v / p.scale)) for v in box), p.scale)]
        crops = [P._crop(p.grey, ln) for ln in lines if not ln.text]
        if not crops:
            continue
        t = time.perf_counter()
        rapid = engine().recognize(crops)
        t_rapid += time.perf_counter() - t
        t = time.perf_counter()
        tess = [pytesseract.image_to_string(Image.fromarray(c), lang="chi_sim", config="--psm 7").strip()
                for c in crops]
        t_tess += time.perf_counter() - t
        for (r, _), s in zip(rapid, tess):
            if r.isdigit():
                n_digits += 1
                n_agree += s.replace(" ", "") == r
    return t_rapid, t_tess, n_digits, n_agree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rendered", type=int, default=2, help="reports rendered by discl to add")
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    ap.add_argument("--tesseract", action="store_true")
    args = ap.parse_args()

    from discl.render import random_spec, render_pdf
    from discl.render.scan import ScanSettings, scan_pdf

    work = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    sources = sorted(args.corpus.glob("*/report.pdf")) if args.corpus.is_dir() else []
    for k in range(args.rendered):
        p = work / f"rendered{k}.pdf"
        render_pdf(random_spec(random.Random(100 + k), template=("gb2019", "gb2021")[k % 2]), p, embed_font=True)
        sources.append(p)
    rows = []
    for n, src in enumerate(sources):
        for dpi in args.dpi:
            d = work / f"{n}-{dpi}"
            d.mkdir()
            scan = d / "scan.pdf"
            scan_pdf(src, scan, ScanSettings(dpi=dpi, angle=(-0.8, 0.9)[n % 2], seed=n))
            text, ocr = measure(src), measure(scan)
            same, flagged, wrong = compare(text, ocr)
            row = {"file": src.parent.name if src.name == "report.pdf" else src.stem, "dpi": dpi,
                   "text_s": text["seconds"], "scan_s": ocr["seconds"], "ocr_pages": ocr["ocr_pages"],
                   "s_per_page": ocr["seconds"] / max(1, ocr["ocr_pages"]), "text_rss": text["rss_mb"],
                   "scan_rss": ocr["rss_mb"], "same": same, "flagged": flagged, "wrong": wrong}
            if args.tesseract:
                row["rapid_s"], row["tess_s"], row["digits"], row["tess_agree"] = tesseract_cells(scan, dpi)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    same = sum(r["same"] for r in rows)
    total = same + sum(r["flagged"] + r["wrong"] for r in rows)
    pages = sum(r["ocr_pages"] for r in rows)
    print(f"\n{len(rows)} scans, {pages} OCR'd pages, one core: "
          f"{sum(r['scan_s'] for r in rows) / max(1, pages):.2f} s per OCR'd page, "
          f"{sum(r['scan_s'] for r in rows) / len(rows):.1f} s per scanned report vs "
          f"{sum(r['text_s'] for r in rows) / len(rows):.2f} s for its text-layer PDF; peak RSS "
          f"{max(r['scan_rss'] for r in rows):.0f} MB (scan) vs {max(r['text_rss'] for r in rows):.0f} MB (text)")
    print(f"figures of the scans agreeing with the text layer: {same}/{total} ({same / max(1, total):.1%}); "
          f"flagged {sum(r['flagged'] for r in rows)}, silently different {sum(r['wrong'] for r in rows)}")
    if args.tesseract:
        digits = sum(r["digits"] for r in rows)
        print(f"cell images: RapidOCR {sum(r['rapid_s'] for r in rows):.1f} s, Tesseract "
              f"{sum(r['tess_s'] for r in rows):.1f} s; Tesseract agrees with RapidOCR on "
              f"{sum(r['tess_agree'] for r in rows)}/{digits} figure cells")


if __name__ == "__main__":
    main()
