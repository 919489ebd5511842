"""Benchmark batch ingestion: 1 vs 2 workers on rendered sample reports of mixed formats.

Usage: python benchmarks/bench_batch.py [--n 10000] [--dir /tmp/discl-bench]

Renders N distinct reports (text, web page, GB18030 web page, Markdown, DOCX, PDF; random figures,
so every file has its own content; one report per agency and year, six years per agency) once into
DIR/in-v2, then runs `discl.batch.ingest` in a fresh
subprocess per configuration (no cache), printing reports/s, the speed-up of 2 workers over 1, and
peak RSS of the parent and of the largest worker. Memory flatness: the 2-worker run is also done on
N/2 and N/10 files; the parent's peak RSS should not grow with the number of files.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIX = ["txt"] * 8 + ["html"] * 6 + ["htm"] * 2 + ["md"] * 4 + ["docx", "pdf"]  # 5 % each for docx, pdf


def render(n: int, out: Path) -> None:
    from discl.render import random_spec, render_docx, render_html, render_markdown, render_pdf, render_text

    out.mkdir(parents=True, exist_ok=True)
    have = len(list(out.iterdir()))
    if have >= n:
        return
    rng = random.Random(2026)
    docx_bases: dict[str, Path] = {}
    t0 = time.perf_counter()
    for i in range(n):
        fmt = MIX[i % len(MIX)]
        # one report per agency and year, six consecutive years each, as published: the N/10 run then
        # has the same mix (and the same cross-year pairs per agency) as the full run
        spec = random_spec(rng, agency=f"示例{i // 6}区人民政府", year=2019 + i % 6)
        p = out / f"r{i:05d}.{fmt}"
        if fmt == "txt":
            p.write_text(render_text(spec), encoding="utf-8")
        elif fmt == "html":
            p.write_text(render_html(spec, chrome=True), encoding="utf-8")
        elif fmt == "htm":
            p.write_bytes(render_html(spec, encoding="gb18030"))
        elif fmt == "md":
            p.write_text(render_markdown(spec), encoding="utf-8")
        elif fmt == "docx":
            # python-docx takes ~2 s per merged-cell report: render a few, then vary the agency name
            # inside document.xml so every file still has its own content and title
            if spec.template not in docx_bases:
                docx_bases[spec.template] = render_docx(spec, out / f"_base_{spec.template}.docx")
            _vary_docx(docx_bases[spec.template], p, spec.agency, i)
        else:
            render_pdf(spec, p)
    for b in docx_bases.values():
        b.unlink()
    print(f"rendered {n} reports in {time.perf_counter() - t0:.0f} s", flush=True)


def _vary_docx(base: Path, dst: Path, agency: str, i: int) -> None:
    import zipfile

    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace("示例".encode(), f"示例{i}号".encode(), 1)
            zout.writestr(item, data)


def child(src: str, out: str, workers: int, limit: int) -> None:
    from discl.batch import BatchSettings, ingest

    files = sorted(str(p) for p in Path(src).iterdir())[:limit]
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    s = ingest(files, out, batch=BatchSettings(workers=workers, use_cache=False))
    dt = time.perf_counter() - t0
    print(json.dumps({"files": s.files, "seconds": dt, "ok": s.counts.get("ok", 0),
                      "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def run(src: Path, out: Path, workers: int, limit: int) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", str(src), str(out), str(workers), str(limit)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--dir", default="/tmp/discl-bench")
    ap.add_argument("--child", nargs=4)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], int(a.child[2]), int(a.child[3]))
        return
    root = Path(a.dir)
    src = root / "in-v2"  # v2: one report per agency and year (v1 repeated agency-years)
    render(a.n, src)
    rows = []
    for workers, limit in ((1, a.n), (2, a.n), (2, max(1, a.n // 2)), (2, max(1, a.n // 10))):
        m = run(src, root / f"out-{workers}-{limit}", workers, limit)
        m.update(workers=workers, rate=m["files"] / m["seconds"])
        rows.append(m)
        print(f"{m['files']:>6} files, {workers} worker(s): {m['seconds']:7.1f} s, {m['rate']:6.1f} reports/s, "
              f"{m['ok']} ok, peak RSS parent {m['rss_parent_mb']:.0f} MB, worker {m['rss_worker_mb']:.0f} MB",
              flush=True)
    print(f"speed-up 2 vs 1 workers: {rows[1]['rate'] / rows[0]['rate']:.2f}x (target >= 1.8x on 2 cores)")
    print("parent peak RSS (2 workers): " + ", ".join(
        f"{m['files']} files {m['rss_parent_mb']:.0f} MB" for m in sorted(rows[1:], key=lambda m: m["files"])))
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
