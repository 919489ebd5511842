"""Scanned reports: discl's own reports and the corpus PDFs rasterised, degraded and read back by OCR.

A scan is made the way a county office makes one (:mod:`discl.render.scan`): pages drawn at 150–200 dpi,
turned by up to a degree, greyed, speckled, stamped with a red seal, JPEG-compressed, saved without a text
layer. Reading it back must give the figures that were printed, or leave a cell missing and flagged —
never a different number.
"""
from __future__ import annotations

import io
import math
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import discl
from conftest import CORPUS, corpus_dirs, corpus_report, load_expect
from discl.errors import DocumentError
from discl.render import ReportSpec, random_spec, render_pdf
from discl.render.scan import ScanSettings, scan_images, scan_pages, scan_pdf
from discl.settings import ReadSettings
from discl.sources import file_to_document

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed (pip install 'discl[ocr]')")

NULL = {"": "blank", "—": "dash", "/": "slash"}


def _expected(text: str) -> float:
    if text in NULL:
        return math.nan
    if text.endswith("万元"):
        return float(text[:-2])
    if text.endswith("元"):
        return float(text[:-1]) / 10000
    return float(text)


def _spec(seed: int, template: str) -> ReportSpec:
    rng = random.Random(seed)
    spec = random_spec(rng, template=template)
    cells = dict(spec.cells)
    for key in rng.sample(sorted(cells), 4):  # blanks, dashes and slashes as real reports print them
        cells[key] = rng.choice(list(NULL))
    return ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)


def _score(rep: discl.Report, cells: dict) -> tuple[int, int, list]:
    """(right, flagged, wrong) of a read against the printed cells."""
    v = rep.values
    got = {(t, r, c): (val, fl, raw) for t, r, c, val, fl, raw in
           zip(v["table"], v["row"], v["col"], v["value"], v["flags"], v["raw"])}
    right = flagged = 0
    wrong = []
    for key, text in cells.items():
        exp = _expected(text)
        if key not in got:
            flagged += 1  # absent: the row or table was not found, which the issues say
            continue
        val, fl, raw = got[key]
        if math.isnan(exp):
            if math.isnan(val):
                right += 1
            else:
                wrong.append((key, text, val, raw, fl))
        elif math.isnan(val):
            assert fl, f"{key}: missing without a flag"
            flagged += 1
        elif abs(val - exp) < 1e-6:
            right += 1
        else:
            wrong.append((key, text, val, raw, fl))
    return right, flagged, wrong


CASES = [  # (seed, template, scan settings): both templates, 150 and 200 dpi, both directions of skew
    (11, "gb2019", ScanSettings(dpi=150, angle=-0.8, seed=11)),
    (12, "gb2021", ScanSettings(dpi=200, angle=0.9, jpeg_quality=45, seed=12)),
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    out = {}
    for seed, template, settings in CASES:
        d = tmp_path_factory.mktemp(f"scan{seed}")
        spec = _spec(seed, template)
        render_pdf(spec, d / "text.pdf", embed_font=True)
        scan_pdf(d / "text.pdf", d / "scan.pdf", settings)
        out[seed] = (spec, d, discl.read_report(d / "scan.pdf"))
    return out


@pytest.mark.parametrize("seed", [c[0] for c in CASES])
def test_scanned_pdf_reads_back_the_printed_figures(scanned, seed):
    spec, d, rep = scanned[seed]
    right, flagged, wrong = _score(rep, dict(spec.cells))
    assert not wrong, f"silently wrong: {wrong}"
    assert right >= 0.93 * len(spec.cells), (right, flagged, len(spec.cells))
    assert rep.meta["year"] == spec.year and rep.meta["template"] == spec.template
    v = rep.values
    assert v["flags"].str.contains("ocr").all(), "every figure of a scan is flagged ocr"
    conf = v["confidence"].dropna()
    assert len(conf) >= 0.9 * len(v) and conf.between(0, 1).all()
    assert (rep.issues["rule"] == "read.ocr").sum() == 1


def test_scan_gives_the_same_document_shape_as_the_text_layer(scanned):
    """The OCR path produces the same tables (rows × columns) the text-layer path reads from the original."""
    spec, d, _ = scanned[11]
    text_doc, scan_doc = file_to_document(str(d / "text.pdf")), file_to_document(str(d / "scan.pdf"))
    assert text_doc.ocr_pages == [] and scan_doc.ocr_pages
    shape = lambda doc: [(len(t.rows), max(len(r) for r in t.rows)) for t in doc.blocks if hasattr(t, "rows")]
    assert shape(scan_doc) == shape(text_doc)


def test_multipage_tiff_and_a_page_photo(tmp_path):
    spec = _spec(13, "gb2021")
    render_pdf(spec, tmp_path / "text.pdf", embed_font=True)
    pages = scan_pages(tmp_path / "text.pdf", ScanSettings(dpi=170, angle=0.5, seed=13))
    pages[0].save(tmp_path / "report.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    rep = discl.read_report(tmp_path / "report.tif")
    assert rep.meta["format"] == "image" and rep.meta["year"] == spec.year
    right, flagged, wrong = _score(rep, dict(spec.cells))
    assert not wrong and right >= 0.93 * len(spec.cells), (right, flagged, wrong)
    # one page saved as a JPEG: its figures, nothing invented for the tables it does not show
    [photo] = [p for p in scan_images(tmp_path / "text.pdf", tmp_path / "page", ScanSettings(dpi=170, seed=3))
               if p.endswith("-2.jpg")]
    page = discl.read_report(photo)
    assert page.meta["status"] in ("ok", "partial") and len(page.values)
    _, _, wrong = _score(page, {k: t for k, t in spec.cells.items()
                                if (k[0], k[1], k[2]) in set(zip(page.values["table"], page.values["row"],
                                                                 page.values["col"]))})
    assert not wrong


CORPUS_PDFS = [d for d in corpus_dirs() if corpus_report(d).suffix == ".pdf"]


@pytest.mark.skipif(not CORPUS_PDFS, reason=f"no PDF reports in the real-report corpus at {CORPUS}")
@pytest.mark.parametrize("d", CORPUS_PDFS, ids=[d.name for d in CORPUS_PDFS])
def test_scans_of_real_reports(d, tmp_path):
    """Real published reports, scanned: ≥ 95 % of expect.json's figures right, none silently wrong."""
    scan = tmp_path / "scan.pdf"
    scan_pdf(corpus_report(d), scan, ScanSettings(dpi=150 if len(d.name) % 2 else 200, angle=0.8,
                                                  seed=len(d.name)))
    rep = discl.read_report(scan)
    exp = load_expect(d)
    assert rep.meta["year"] == exp["meta"]["year"]
    v = rep.values
    got = {(t, r, c): val for t, r, c, val in zip(v["table"], v["row"], v["col"], v["value"])}
    right, wrong = 0, []
    for table, row, col, value in exp["figures"]:
        val = got.get((table, row, col), math.nan)
        if not math.isnan(val):
            if abs(val - value) < 1e-6:
                right += 1
            else:
                wrong.append((table, row, col, value, val))
    assert not wrong
    assert right >= 0.95 * len(exp["figures"]), (right, len(exp["figures"]))


def test_text_layer_pdf_never_goes_through_ocr(monkeypatch, tmp_path):
    import discl.sources.ocr.engine as engine

    def no_ocr():
        raise AssertionError("OCR must not run on a PDF with a text layer")
    monkeypatch.setattr(engine, "engine", no_ocr)
    spec = _spec(14, "gb2021")
    render_pdf(spec, tmp_path / "r.pdf")
    rep = discl.read_report(tmp_path / "r.pdf")
    assert rep.meta["status"] == "ok" and not rep.values["flags"].str.contains("ocr").any()
    assert rep.values["confidence"].isna().all()


# ---------------------------------------------------------------------------------------------------
# trust: identities decide, corrections are proposed, never applied


def _text_read(tmp_path, seed=15):
    from discl.recognize import document_to_recognition
    spec = random_spec(random.Random(seed), template="gb2021")
    render_pdf(spec, tmp_path / "r.pdf")
    doc = file_to_document(str(tmp_path / "r.pdf"))
    return spec, doc, document_to_recognition(doc, None, spec.year)


def test_a_misread_digit_is_left_missing_and_the_correction_proposed(tmp_path):
    from dataclasses import replace
    from discl.recognize.ocr import ocr_values_to_trusted

    spec, doc, rec = _text_read(tmp_path)
    doc.ocr_pages = sorted({v.page for v in rec.values})  # as if every page were a scan
    i = next(i for i, v in enumerate(rec.values) if (v.table, v.row, v.col) == ("requests", "granted", "natural_person"))
    true = rec.values[i]
    misread = str(int(true.value) + 3 if int(true.value) % 10 < 7 else int(true.value) - 3)  # one digit off
    values = list(rec.values)
    values[i] = replace(true, raw=misread, value=float(misread))
    out, notes = ocr_values_to_trusted(doc, values, rec.template)
    got = out[i]
    assert math.isnan(got.value) and "low_confidence" in got.flags and got.raw == misread
    # the rest of the row and column is vouched for by the equations that hold
    others = [v for j, v in enumerate(out) if j != i and v.table == "requests" and not math.isnan(v.value)]
    assert len(others) >= 0.9 * sum(1 for v in rec.values if v.table == "requests" and not v.missing) - 1
    proposals = [n for n in notes if n.rule == "read.ocr_correction"]
    assert len(proposals) == 1 and repr(str(int(true.value))) in proposals[0].message
    assert any(n.rule == "read.ocr_suspect" and n.row == "granted" for n in notes)


def test_a_printed_inconsistency_is_left_to_the_checks(tmp_path):
    """A broken equation whose every cell another equation vouches for is what the report printed."""
    from discl.recognize.ocr import ocr_values_to_trusted

    spec, doc, rec = _text_read(tmp_path, seed=16)
    doc.ocr_pages = sorted({v.page for v in rec.values})
    out, notes = ocr_values_to_trusted(doc, list(rec.values), rec.template)
    assert [v.value for v in out if not v.missing] == [v.value for v in rec.values if not v.missing]
    assert not [n for n in notes if n.rule.startswith("read.ocr")]
    assert all("ocr" in v.flags for v in out)


def test_low_scores_are_missing(tmp_path):
    from discl.recognize.ocr import ocr_values_to_trusted

    spec, doc, rec = _text_read(tmp_path, seed=17)
    doc.ocr_pages = sorted({v.page for v in rec.values})

    def scored(score):
        for b in doc.blocks:
            for row in getattr(b, "rows", []):
                for c in row:
                    c.confidence = score
        return ocr_values_to_trusted(doc, list(rec.values), rec.template)[0]

    printed = [not v.missing for v in rec.values]
    out = scored(0.3)  # below the floor: missing, whatever the arithmetic says
    assert all(v.missing and "low_confidence" in v.flags for v, p in zip(out, printed) if p)
    assert [v.raw for v in out] == [v.raw for v in rec.values]  # what was read stays beside it
    out = scored(0.7)  # unsure: stands only where an equation that holds vouches for it
    kept = {v.table for v, p in zip(out, printed) if p and not v.missing}
    assert kept == {"requests", "review_litigation"}  # table 二 has no identities to vouch
    assert all(v.missing for v, p in zip(out, printed) if p and v.table == "proactive")


# ---------------------------------------------------------------------------------------------------
# page geometry


@pytest.mark.parametrize("angle", [-1.8, -0.6, 0.7, 1.9])
def test_skew_is_measured(angle, tmp_path):
    from discl.sources.ocr.raster import binarize, skew_angle, to_grey

    spec = random_spec(random.Random(3), template="gb2019")
    render_pdf(spec, tmp_path / "r.pdf", embed_font=True)
    page = scan_pages(tmp_path / "r.pdf", ScanSettings(dpi=100, angle=angle, speckle=0, seal=False))[0]
    measured = skew_angle(binarize(to_grey(np.asarray(page))))
    assert abs(measured + angle) <= 0.15, (angle, measured)  # the angle that levels it


def test_red_seal_and_grey_paper_do_not_hide_the_print():
    from discl.sources.ocr.raster import binarize, to_grey

    img = np.full((300, 300, 3), 200, np.uint8)  # grey paper
    img[50:250, 140:160] = (210, 40, 40)  # a red seal's stroke
    img[100:110, 20:280] = 20  # a black rule printed across it (black over red stays dark)
    ink = binarize(to_grey(img))
    assert ink[105, 30] and ink[105, 150] and not ink[60, 150] and not ink[200, 50]


# ---------------------------------------------------------------------------------------------------
# hostile images


def _png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` (the data is one tiny compressed row)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def _jpeg(size=(600, 800)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("name, data, code", [
    ("bomb.png", _png(100_000, 100_000), "too_large"),  # 10 gigapixels claimed: never decoded
    ("dot.png", _png(1, 1), "not_a_report"),
    ("cut.jpg", _jpeg()[:400], "corrupt"),
    ("garbage.png", b"\x89PNG\r\n\x1a\n" + bytes(random.Random(1).randrange(256) for _ in range(3000)), "corrupt"),
])
def test_hostile_images_fail_with_a_clear_error(name, data, code, tmp_path):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(DocumentError) as info:
        file_to_document(str(p))
    assert info.value.code == code and str(p) in str(info.value)
    rep = discl.read_report(p)  # the batch path: a failed row, no traceback
    assert rep.meta["status"] == "failed" and rep.meta["error_code"] == code


def test_pixel_limit_is_a_setting(tmp_path):
    p = tmp_path / "page.jpg"
    p.write_bytes(_jpeg((1000, 1400)))
    with pytest.raises(DocumentError) as info:
        file_to_document(str(p), ReadSettings(max_image_pixels=1_000_000))
    assert info.value.code == "too_large" and "1,400,000" in info.value.message


def test_a_blank_page_image_is_not_a_report(tmp_path):
    p = tmp_path / "blank.jpg"
    p.write_bytes(_jpeg())
    rep = discl.read_report(p)
    assert rep.meta["status"] == "failed" and rep.meta["error_code"] == "not_a_report"


def test_without_ocr_an_image_needs_it(tmp_path):
    p = tmp_path / "page.jpg"
    p.write_bytes(_jpeg())
    with pytest.raises(DocumentError) as info:
        file_to_document(str(p), ReadSettings(ocr=False))
    assert info.value.code == "needs_ocr"


def test_a_report_saved_one_image_per_page_is_one_report(tmp_path):
    spec = _spec(18, "gb2019")
    render_pdf(spec, tmp_path / "text.pdf", embed_font=True)
    folder = tmp_path / "scans"
    folder.mkdir()
    pages = scan_images(tmp_path / "text.pdf", folder / "report", ScanSettings(dpi=160, angle=-0.4, seed=18))
    assert len(pages) >= 2
    from discl.sources import iter_files
    assert list(iter_files([folder])) == [pages[0]]  # the later pages are read with the first
    rep = discl.read_report(pages[0])
    assert rep.meta["year"] == spec.year and rep.meta["n_pages"] == len(pages)
    right, flagged, wrong = _score(rep, dict(spec.cells))
    assert not wrong and right >= 0.93 * len(spec.cells), (right, flagged, wrong)
    from discl.pipeline import sha256_file
    before = sha256_file(pages[0])
    Image.open(pages[-1]).rotate(1).save(pages[-1])  # a later page changed: the report's hash changes
    assert sha256_file(pages[0]) != before


def test_a_scanned_page_too_large_to_render_is_not_rendered(tmp_path):
    """A hostile media box (20,000 pt square) on an image-only page: a clear error, no giant bitmap."""
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), "white").save(buf, "PDF", resolution=1.44)  # 400 px at 1.44 dpi = 20,000 pt
    p = tmp_path / "huge.pdf"
    p.write_bytes(buf.getvalue())
    with pytest.raises(DocumentError) as info:
        file_to_document(str(p))
    assert info.value.code == "too_large" and "not rendered for OCR" in info.value.message
    assert discl.read_report(p).meta["error_code"] == "too_large"
