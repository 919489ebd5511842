"""Word readers: DOCX structure (order, merges, nested tables, text boxes), hostile files, legacy .doc.

Real inputs come from the shared corpus (never copied into the repo); tests that need it or LibreOffice
skip with the reason. Hostile files are generated in ``tmp_path``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from discl.errors import DocumentError
from discl.settings import ReadSettings
from discl.sources import file_to_document, sniff_format
from discl.sources.doc import find_soffice, ole_stream_names
from discl.sources.document import Cell, Document, Paragraph, Table
from discl.sources.docx import docx_to_document

CORPUS = Path(os.environ.get("DISCL_CORPUS", "/work/shared/corpus"))
CORPUS_DOCX = CORPUS / "sh-municipal-office-2019-docx" / "report.docx"
HTML_REPORTS = sorted(CORPUS.glob("*/report.html")) if CORPUS.is_dir() else []
SOFFICE = find_soffice()

needs_corpus_docx = pytest.mark.skipif(not CORPUS_DOCX.is_file(),
                                       reason=f"shared corpus file {CORPUS_DOCX} is not present")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                                   "apt-get install -y --no-install-recommends libreoffice-writer-nogui")

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --------------------------------------------------------------------------------------------------
# helpers


def tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def to_grid(table: Table) -> list[list[str | None]]:
    """Expand an HTML-model table into a grid (None where nothing is placed) — an independent check."""
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert (r + dr, c + dc) not in grid, f"overlapping cells at {(r + dr, c + dc)}"
                    grid[(r + dr, c + dc)] = cell.text
            c += cell.colspan
    n_rows = len(table.rows)
    n_cols = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c)) for c in range(n_cols)] for r in range(n_rows)]


def row_with(doc: Document, label: str) -> list[Cell]:
    for t in tables(doc):
        for row in t.rows:
            if row and label in row[0].text:
                return row
    raise AssertionError(f"no table row labelled {label!r}")


def expected_figure(corpus_dir: Path, table: str, row: str, col: str) -> float:
    figures = json.loads((corpus_dir / "expect.json").read_text(encoding="utf-8"))["figures"]
    for t, r, c, v in figures:
        if (t, r, c) == (table, row, col):
            return float(v)
    raise AssertionError(f"{corpus_dir.name}/expect.json has no figure {table}/{row}/{col}")


def check_t3_new_received(doc: Document, corpus_dir: Path) -> None:
    """The 本年新收 row: a label, then 7 value cells whose last one is the 总计 of expect.json."""
    row = row_with(doc, "本年新收")
    values = [c.text for c in row[1:]]
    assert len(values) == 7, values
    assert float(values[-1]) == expected_figure(corpus_dir, "requests", "new_received", "total")


def make_docx(path: Path, body: str, extra: dict[str, bytes] | None = None) -> Path:
    """Write a minimal DOCX whose body is ``body`` (WordprocessingML, ``w:`` prefix)."""
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<w:document xmlns:w="{W_NS}" '
           f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           f'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           f'xmlns:v="urn:schemas-microsoft-com:vml">'
           f'<w:body>{body}</w:body></w:document>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
                   'org/package/2006/content-types"/>')
        z.writestr("word/document.xml", xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def p(text: str, ppr: str = "") -> str:
    return f"<w:p>{ppr}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def tc(text: str, tcpr: str = "") -> str:
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{p(text) if text else '<w:p/>'}</w:tc>"


def write_ole2(path: Path, streams: dict[str, bytes]) -> Path:
    """Write a minimal valid OLE2 compound file (MS-CFB v3, 512-byte sectors) holding ``streams``.

    Streams are padded to 4096 bytes so they live in regular sectors (smaller ones would belong in the
    mini stream, which this writer does not implement).
    """
    ss, end, free, fatsect, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    datas = [(name, data.ljust(4096, b"\0")) for name, data in streams.items()]
    n_entries = 1 + len(datas)
    dir_sectors = -(-n_entries // 4)
    fat: list[int] = [fatsect]  # sector 0 holds the FAT
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [end]
    starts = []
    for _, data in datas:
        n = -(-len(data) // ss)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end]
    assert len(fat) <= ss // 4, "test writer supports one FAT sector"
    fat += [free] * (ss // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw_name = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", raw_name, len(raw_name), kind, 1, nostream, right, child,
                           b"\0" * 16, 0, 0, 0, start, size)

    dir_blob = entry("Root Entry", 5, 1 if datas else nostream, nostream, end, 0)
    for i, ((name, data), start) in enumerate(zip(datas, starts), start=1):
        dir_blob += entry(name, 2, nostream, i + 1 if i < len(datas) else nostream, start, len(data))
    dir_blob = dir_blob.ljust(dir_sectors * ss, b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, 1, first_dir, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    body = struct.pack(f"<{ss // 4}I", *fat) + dir_blob + b"".join(
        d.ljust(-(-len(d) // ss) * ss, b"\0") for _, d in datas)
    path.write_bytes(header + body)
    return path


def expect_error(path: Path, code: str, reader=file_to_document, **settings) -> DocumentError:
    """Read ``path`` and require a DocumentError with ``code`` (any other exception fails the test)."""
    with pytest.raises(DocumentError) as info:
        reader(str(path), ReadSettings(**settings) if settings else ReadSettings())
    assert info.value.code == code, f"expected {code!r}, got {info.value.code!r}: {info.value}"
    return info.value


# --------------------------------------------------------------------------------------------------
# the corpus DOCX


@needs_corpus_docx
def test_corpus_docx_table3_rows_and_spans() -> None:
    doc = docx_to_document(str(CORPUS_DOCX))
    assert doc.format == "docx" and doc.path == str(CORPUS_DOCX)
    check_t3_new_received(doc, CORPUS_DOCX.parent)
    t3 = next(t for t in tables(doc) if any("本年新收" in c.text for r in t.rows for c in r))
    # the vMerge group labels (三、本年度办理结果, （三）不予公开, ...) become rowspan > 1 cells
    spans = {c.text: c.rowspan for r in t3.rows for c in r if c.rowspan > 1}
    assert spans.get("三、本年度办理结果", 0) > 1, spans
    assert any(k.startswith("（三）不予公开") and v == 8 for k, v in spans.items()), spans
    # every table expands to a rectangle without overlaps
    for t in tables(doc):
        grid = to_grid(t)
        assert all(None not in row for row in grid), "holes in the expanded grid"


@needs_corpus_docx
def test_corpus_docx_body_order() -> None:
    doc = file_to_document(str(CORPUS_DOCX))
    heading = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph) and "三、收到和处理" in b.text)
    t3 = next(i for i, b in enumerate(doc.blocks)
              if isinstance(b, Table) and any("本年新收" in c.text for r in b.rows for c in r))
    assert heading < t3
    # the table follows its heading directly, and each of the 3 tables comes after the section before it
    assert t3 == heading + 1
    assert len(tables(doc)) == 3


@needs_corpus_docx
def test_corpus_docx_refused_above_unzipped_limit() -> None:
    expect_error(CORPUS_DOCX, "unsafe_content", max_unzipped_bytes=50_000)


# --------------------------------------------------------------------------------------------------
# synthetic structure


def test_order_text_boxes_and_numbering(tmp_path: Path) -> None:
    numbered = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr>'
    textbox = ('<w:p><w:r><w:t>锚点段落</w:t></w:r><w:r><mc:AlternateContent>'
               '<mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
               f'{p("文本框一")}{p("文本框二")}</w:txbxContent></wps:txbx></w:drawing></mc:Choice>'
               '<mc:Fallback><w:pict><v:textbox><w:txbxContent>'
               f'{p("文本框一")}{p("文本框二")}</w:txbxContent></v:textbox></w:pict></mc:Fallback>'
               '</mc:AlternateContent></w:r></w:p>')
    body = (p("标题") + p("总体情况", numbered)
            + f"<w:tbl><w:tr>{tc('A')}{tc('B')}</w:tr></w:tbl>"
            + '<w:p><w:r><w:t>前</w:t><w:tab/><w:t>后</w:t><w:br/><w:t>下一行</w:t></w:r>'
              '<w:del><w:r><w:delText>删除的</w:delText></w:r></w:del>'
              '<w:ins><w:r><w:t>插入的</w:t></w:r></w:ins>'
              '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>'
              '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            + "<w:p/>" + textbox
            + f'<w:sdt><w:sdtPr/><w:sdtContent>{p("控件内")}</w:sdtContent></w:sdt>'
            + '<w:sectPr/>')
    doc = file_to_document(str(make_docx(tmp_path / "a.docx", body)))
    kinds = [(type(b).__name__, b.text if isinstance(b, Paragraph) else None) for b in doc.blocks]
    assert kinds == [("Paragraph", "标题"), ("Paragraph", "总体情况"), ("Table", None),
                     ("Paragraph", "前\t后\n下一行插入的"), ("Paragraph", "锚点段落"),
                     ("Paragraph", "文本框一"), ("Paragraph", "文本框二"), ("Paragraph", "控件内")]


def test_merges_grid_before_and_nested_tables(tmp_path: Path) -> None:
    restart, cont = '<w:vMerge w:val="restart"/>', "<w:vMerge/>"
    span2, span3 = '<w:gridSpan w:val="2"/>', '<w:gridSpan w:val="3"/>'
    before1, after2 = '<w:trPr><w:gridBefore w:val="1"/></w:trPr>', '<w:trPr><w:gridAfter w:val="2"/></w:trPr>'
    inner = f"<w:tbl><w:tr>{tc('内1')}{tc('内2')}</w:tr></w:tbl>"
    body = (
        "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        f"<w:tr>{tc('组', restart)}{tc('表头', span3)}</w:tr>"
        f"<w:tr>{tc('', cont)}{tc('x', restart)}{tc('1')}{tc('2')}</w:tr>"
        # gridBefore=1: the row starts in column 1, so its vMerge continues the 'x' cell, not '组'
        f"<w:tr>{before1}{tc('', cont)}{tc('3')}{tc('4')}</w:tr>"
        f"<w:tr>{tc('尾')}<w:tc><w:tcPr>{span2}</w:tcPr>{p('外文')}{inner}{p('外尾')}</w:tc>"
        f"{tc('5')}</w:tr>"
        f"<w:tr>{after2}{tc('左')}{tc('右')}</w:tr>"
        "</w:tbl>" + p("表后"))
    doc = docx_to_document(str(make_docx(tmp_path / "m.docx", body)))
    outer, inner_t, after = doc.blocks
    assert isinstance(outer, Table) and isinstance(inner_t, Table)
    assert isinstance(after, Paragraph) and after.text == "表后"
    shape = [[(c.text, c.rowspan, c.colspan) for c in r] for r in outer.rows]
    assert shape == [
        [("组", 2, 1), ("表头", 1, 3)],
        [("x", 2, 1), ("1", 1, 1), ("2", 1, 1)],
        [("", 1, 1), ("3", 1, 1), ("4", 1, 1)],  # gridBefore placeholder
        [("尾", 1, 1), ("外文\n外尾", 1, 2), ("5", 1, 1)],
        [("左", 1, 1), ("右", 1, 1), ("", 1, 2)],  # gridAfter placeholder
    ]
    assert [[c.text for c in r] for r in inner_t.rows] == [["内1", "内2"]]
    # positions stay right: "3" sits under "1", not under the "组" column
    assert to_grid(outer) == [["组", "表头", "表头", "表头"],
                              ["组", "x", "1", "2"],
                              ["", "x", "3", "4"],
                              ["尾", "外文\n外尾", "外文\n外尾", "5"],
                              ["左", "右", "", ""]]


def test_orphan_vmerge_continue_is_kept(tmp_path: Path) -> None:
    body = f"<w:tbl><w:tr>{tc('孤儿', '<w:vMerge/>')}{tc('1')}</w:tr></w:tbl>"
    doc = docx_to_document(str(make_docx(tmp_path / "o.docx", body)))
    assert [[c.text for c in r] for r in tables(doc)[0].rows] == [["孤儿", "1"]]


# --------------------------------------------------------------------------------------------------
# hostile and broken files


def test_zip_bomb_declared_size(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "bomb.docx", p("x"))
    chunk = b"\0" * (1 << 20)
    # 300 MB of zeros, written streaming: the archive stays ~300 KB
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as f:
            for _ in range(300):
                f.write(chunk)
    assert path.stat().st_size < 2_000_000
    err = expect_error(path, "unsafe_content")
    assert "zip bomb" in err.message


def test_zip_bomb_compression_ratio(tmp_path: Path) -> None:
    # 20 MB of zeros is under the size budget but inflates ~1000x: refused by the ratio check
    path = make_docx(tmp_path / "ratio.docx", p("x"), {"word/media/zeros.bin": b"\0" * 20_000_000})
    err = expect_error(path, "unsafe_content")
    assert "inflates" in err.message


def test_xxe_refused(tmp_path: Path) -> None:
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
    path = tmp_path / "xxe.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", xml)
    expect_error(path, "unsafe_content")


def test_billion_laughs_refused(tmp_path: Path) -> None:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE lolz [{ents}]>'
           f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    path = tmp_path / "lol.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", xml)
    expect_error(path, "unsafe_content")


def test_utf16_doctype_refused(tmp_path: Path) -> None:
    xml = (f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x "y">]>'
           f'<w:document xmlns:w="{W_NS}"><w:body/></w:document>').encode("utf-16")
    path = tmp_path / "u16.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", xml)
    expect_error(path, "unsafe_content")


def test_fake_encrypted_docx(tmp_path: Path) -> None:
    path = write_ole2(tmp_path / "locked.docx", {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                                                  "EncryptedPackage": os.urandom(5000)})
    assert {"EncryptionInfo", "EncryptedPackage"} <= ole_stream_names(str(path))
    assert sniff_format(str(path), path.read_bytes()[:8192]) == "ole"
    err = expect_error(path, "encrypted")
    assert "password" in err.message


def test_legacy_doc_with_password_flag(tmp_path: Path) -> None:
    # a FIB with wIdent 0xA5EC and fEncrypted set (MS-DOC 2.5.2)
    fib = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0, 0, 0x0100)
    path = write_ole2(tmp_path / "locked.doc", {"WordDocument": fib, "1Table": b"\0" * 10})
    expect_error(path, "encrypted")


def test_truncated_docx_is_corrupt(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", p("正文" * 2000))
    data = good.read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: len(data) // 2])
    expect_error(cut, "corrupt", reader=docx_to_document)


def test_truncated_docx_via_dispatch(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", p("正文" * 2000))
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[:-200])
    expect_error(cut, "corrupt")


def test_damaged_member_is_corrupt(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", "".join(p(f"段落{i}") for i in range(500)))
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("word/document.xml")
    # flip bytes in the middle of the compressed document.xml: inflate error or CRC mismatch
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 40, start + 80):
        data[i] ^= 0xFF
    bad = tmp_path / "bad.docx"
    bad.write_bytes(bytes(data))
    expect_error(bad, "corrupt")


def test_missing_document_xml_and_bad_xml(tmp_path: Path) -> None:
    nodoc = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(nodoc, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    expect_error(nodoc, "corrupt", reader=docx_to_document)
    badxml = tmp_path / "badxml.docx"
    with zipfile.ZipFile(badxml, "w") as z:
        z.writestr("word/document.xml", "<w:document><w:body><w:p>")
    expect_error(badxml, "corrupt")


def test_pdf_renamed_docx_goes_to_pdf_reader(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "report.docx"
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "annual report")
    c.save()
    assert sniff_format(str(path), path.read_bytes()[:8192]) == "pdf"
    if importlib.util.find_spec("discl.sources.pdf") is None:
        pytest.skip("discl/sources/pdf.py is not written yet; dispatch checked by sniff_format only")
    try:
        doc = file_to_document(str(path))
    except DocumentError as e:  # the PDF reader may refuse a one-line page, but with a PDF-side code
        assert e.code not in ("corrupt", "unsafe_content", "encrypted"), e
    else:
        assert doc.format == "pdf"


# --------------------------------------------------------------------------------------------------
# LibreOffice: .doc round trips and converter errors


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The corpus HTML reports converted once to .docx and .doc (one soffice call per format)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if not HTML_REPORTS:
        pytest.skip(f"no */report.html in the shared corpus {CORPUS}")
    tmp = tmp_path_factory.mktemp("lo")
    srcs = []
    for html in HTML_REPORTS:
        dst = tmp / f"{html.parent.name}.html"
        shutil.copyfile(html, dst)
        srcs.append(str(dst))
    profile = (tmp / "profile").as_uri()
    out: dict[str, dict[str, Path]] = {}
    for ext, target, infilter in (("docx", "docx:MS Word 2007 XML", []),
                                  ("doc", "doc:MS Word 97", ["--infilter=HTML (StarWriter)"])):
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", *infilter,
                        "--convert-to", target, "--outdir", str(tmp / ext), *srcs],
                       check=True, capture_output=True, timeout=300)
        out[ext] = {h.parent.name: tmp / ext / f"{h.parent.name}.{ext}" for h in HTML_REPORTS}
    return out


def test_html_reports_via_docx(converted: dict[str, dict[str, Path]]) -> None:
    for name, path in converted["docx"].items():
        assert path.is_file(), f"LibreOffice did not write {path}"
        doc = file_to_document(str(path))
        assert doc.format == "docx"
        check_t3_new_received(doc, CORPUS / name)


def test_html_reports_via_doc(converted: dict[str, dict[str, Path]]) -> None:
    """.doc goes through doc_to_document (LibreOffice again) and must give the DOCX reading's tables."""
    for name, path in converted["doc"].items():
        assert path.is_file(), f"LibreOffice did not write {path}"
        via_doc = file_to_document(str(path))
        assert via_doc.format == "doc" and via_doc.path == str(path)
        check_t3_new_received(via_doc, CORPUS / name)
        via_docx = docx_to_document(str(converted["docx"][name]))
        assert [[[(c.text, c.rowspan, c.colspan) for c in r] for r in t.rows] for t in tables(via_doc)] == \
               [[[(c.text, c.rowspan, c.colspan) for c in r] for r in t.rows] for t in tables(via_docx)]


@pytest.mark.parametrize("ext", ["docx", "doc"])
def test_converted_reports_match_expect(converted: dict[str, dict[str, Path]], ext: str) -> None:
    """Word versions of the web-page reports give every figure of the page's expect.json."""
    import discl
    from test_corpus import assert_figures

    for name, path in converted[ext].items():
        rep = discl.read_report(path, checks=False)
        assert rep.meta["status"] == "ok", rep.meta["error"]
        assert rep.meta["format"] == ext
        assert_figures(rep, CORPUS / name)


def test_converter_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import discl.sources.doc as doc_module

    monkeypatch.setattr(doc_module, "find_soffice", lambda settings=None: None)
    path = write_ole2(tmp_path / "plain.doc", {"WordDocument": b"\xec\xa5" + b"\0" * 100})
    err = expect_error(path, "converter_missing")
    assert "apt-get install" in err.message


@needs_soffice
def test_conversion_failed_on_junk_ole(tmp_path: Path) -> None:
    path = write_ole2(tmp_path / "junk.doc", {"Nonsense": os.urandom(6000)})
    expect_error(path, "conversion_failed")


def test_conversion_timeout(converted: dict[str, dict[str, Path]]) -> None:
    expect_error(next(iter(converted["doc"].values())), "timeout", timeout_s=0.05)
