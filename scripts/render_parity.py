"""Dump what discl.render produces, so two checkouts' renderers can be compared byte for byte.

    PYTHONPATH=/path/to/checkout-a python scripts/render_parity.py /tmp/a
    PYTHONPATH=/path/to/checkout-b python scripts/render_parity.py /tmp/b
    diff -r /tmp/a /tmp/b

HTML (UTF-8 and GB18030 with site chrome), text (both layouts) and Markdown are written as rendered.
DOCX and PDF embed creation times and random ids, so for them the dump holds what discl reads back
(template, status and every value with its flag), not the file.
"""
from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import discl
from discl import render as R

N_RANDOM = 12  # random specs per template choice (None = the year decides)


def specs() -> list[tuple[str, R.ReportSpec]]:
    out = [(f"sample{i:02d}", s) for i, s in enumerate(R.load_samples())]
    for choice in (None, *R.TEMPLATES):
        for seed in range(N_RANDOM):
            out.append((f"random-{choice or 'any'}-{seed:02d}", R.random_spec(random.Random(seed), template=choice)))
    return out


def read_back(path: Path) -> str:
    r = discl.read_report(path)
    v = r.values
    cols = [c for c in ("table", "row", "col", "value", "unit", "raw", "flags") if c in v.columns]
    return f"template={r.meta.get('template')} status={r.meta.get('status')}\n" + v[cols].to_csv(index=False)


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs():
            (out / f"{name}.html").write_text(R.render_html(spec), encoding="utf-8")
            (out / f"{name}.chrome.htm").write_bytes(R.render_html(spec, encoding="gb18030", chrome=True))
            (out / f"{name}.txt").write_text(R.render_text(spec), encoding="utf-8")
            (out / f"{name}.cells.txt").write_text(R.render_text(spec, cell_per_line=True), encoding="utf-8")
            (out / f"{name}.md").write_text(R.render_markdown(spec), encoding="utf-8")
            if name.startswith("sample") or name.endswith(("00", "01")):  # python-docx and reportlab are slow
                docx = R.render_docx(spec, Path(tmp) / f"{name}.docx")
                (out / f"{name}.docx.values.csv").write_text(read_back(docx), encoding="utf-8")
                for repeat in (False, True):
                    pdf = R.render_pdf(spec, Path(tmp) / f"{name}.pdf", repeat_header=repeat)
                    (out / f"{name}.pdf{int(repeat)}.values.csv").write_text(read_back(pdf), encoding="utf-8")
        written = R.write_samples(Path(tmp) / "samples")
        (out / "write_samples.txt").write_text("\n".join(Path(p).name for p in written) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
