"""discl's bundled sample reports: their figures in ``data/samples.csv`` and the files rendered from them.

The CSV holds one row per printed cell (exact text, so ``''``, ``'—'``, ``'251000元'`` survive) and a
``note`` on the cells that deliberately break a rule.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.resources
import io
import json
from collections import defaultdict
from pathlib import Path

from .markup import render_html, render_markdown, render_text
from .pdf import render_pdf, require_reportlab
from .spec import Key, ReportSpec
from .word import render_docx

SAMPLES_CSV = "data/samples.csv"
SAMPLE_COLUMNS = ("agency", "year", "template", "table", "row", "col", "value", "note")


def read_samples_csv(path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of ``samples.csv`` (the packaged one unless ``path`` is given), as dicts of strings.

    >>> rows = read_samples_csv()
    >>> tuple(rows[0]) == SAMPLE_COLUMNS
    True
    """
    if path is None:
        text = importlib.resources.files("discl").joinpath(SAMPLES_CSV).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    # keep_default_na-style surprises are why this is csv, not pandas: '' must stay '' and '—' stay '—'
    return list(csv.DictReader(io.StringIO(text)))


def load_samples(path: str | Path | None = None) -> list[ReportSpec]:
    """One :class:`ReportSpec` per (agency, year) in ``samples.csv``, in file order.

    >>> specs = load_samples()
    >>> len(specs) > 6, specs[0].title
    (True, '平潭综合实验区2019年政府信息公开工作年度报告')
    """
    groups: dict[tuple[str, int, str], dict[Key, str]] = defaultdict(dict)
    for row in read_samples_csv(path):
        groups[(row["agency"], int(row["year"]), row["template"])][(row["table"], row["row"], row["col"])] = \
            row["value"]
    return [ReportSpec(agency=a, year=y, template=t, cells=cells)
            for (a, y, t), cells in groups.items()]


#: Formats the samples cycle through; "html-gb18030" is the GB18030 page with site chrome.
SAMPLE_FORMATS = ("html", "pdf", "docx", "txt", "md", "html-gb18030")


def write_samples(out_dir: str | Path) -> list[str]:
    """Render every sample of ``samples.csv`` into ``out_dir`` in a mix of formats; returns the paths.

    Sample ``i`` is written as ``SAMPLE_FORMATS[i % 6]``, named by its title. The PDFs need the ``samples``
    extra; without it this fails before writing anything. (Writing all of them takes seconds, so the
    example stops short of it; ``discl.api.load`` shows a full run.)

    >>> [(s.agency, SAMPLE_FORMATS[i % len(SAMPLE_FORMATS)]) for i, s in enumerate(load_samples())][:2]
    [('平潭综合实验区', 'html'), ('平潭综合实验区', 'pdf')]
    """
    require_reportlab()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for i, spec in enumerate(load_samples()):
        fmt = SAMPLE_FORMATS[i % len(SAMPLE_FORMATS)]
        stem = out / spec.title
        if fmt == "html":
            p = stem.with_suffix(".html")
            p.write_text(render_html(spec), encoding="utf-8")
        elif fmt == "html-gb18030":
            p = stem.with_suffix(".htm")
            p.write_bytes(render_html(spec, encoding="gb18030", chrome=True))
        elif fmt == "txt":
            p = stem.with_suffix(".txt")
            p.write_text(render_text(spec), encoding="utf-8")
        elif fmt == "md":
            p = stem.with_suffix(".md")
            p.write_text(render_markdown(spec), encoding="utf-8")
        elif fmt == "docx":
            p = render_docx(spec, stem.with_suffix(".docx"))
        else:
            # alternate the repeated header between rounds of the cycle so both PDF shapes are among the samples
            p = render_pdf(spec, stem.with_suffix(".pdf"), repeat_header=bool((i // len(SAMPLE_FORMATS)) % 2))
        paths.append(str(p))
    manifest = {Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}
    (out / SAMPLES_MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


#: the list of files :func:`write_samples` wrote (name → SHA-256), so that only they are ever removed
SAMPLES_MANIFEST = ".discl-samples.json"


def remove_samples(out_dir: str | Path) -> list[str]:
    """Remove from ``out_dir`` the sample files :func:`write_samples` wrote there, and its manifest.

    A file is removed only when it is listed in the manifest with the same content; anything else (a
    report of one's own, a sample edited since) stays. Returns the removed paths.
    """
    out = Path(out_dir)
    manifest_path = out / SAMPLES_MANIFEST
    if not manifest_path.is_file():
        return []
    removed: list[str] = []
    for name, digest in json.loads(manifest_path.read_text(encoding="utf-8")).items():
        p = out / Path(name).name
        if p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == digest:
            p.unlink()
            removed.append(str(p))
    manifest_path.unlink()
    return removed
