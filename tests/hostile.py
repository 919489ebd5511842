"""Hostile and broken inputs for discl's readers, generated at test time (nothing binary is committed).

:func:`generate` writes a few hundred malformed files into a directory and returns one :class:`Case` per
file: what it is (``kind``), what discl must answer (:class:`Expect`) and a wall-clock budget. The
inputs derive from good reports rendered by :mod:`discl.render` and, when present, from the real
reports in the corpus (read-only: they are copied and mutated inside the output directory only).

:func:`run_cases` reads every case through :func:`discl.pipeline.file_to_result` with the network cut
off (:func:`no_network`) and records status, error code, time, peak-RSS growth and any exception that
escaped. ``python tests/hostile.py run MANIFEST OUT`` does the same in a child process, which is how
``tests/test_hostile.py`` uses it: a crash or hang in a C library then fails the test instead of killing
or freezing pytest, and the child's peak RSS is the batch's alone.
"""
from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import os
import random
import resource
import socket
import sys
import time
import traceback
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from discl.errors import CODES  # noqa: E402
from discl.render import ReportSpec, random_spec, render_docx, render_html, render_markdown, render_pdf, \
    render_text  # noqa: E402
from discl.settings import DEFAULT_SETTINGS, ReadSettings  # noqa: E402

CORPUS = Path(os.environ.get("DISCL_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# fractions of the file kept by the truncation cases: a few bytes, the middle, and the very end
CUT_POINTS = (0.002, 0.1, 0.33, 0.5, 0.75, 0.95)
BIG_BUDGET_S = 60.0
DEFAULT_BUDGET_S = 10.0


# --------------------------------------------------------------------------------------------------
# cases and expectations


@dataclass(frozen=True)
class Expect:
    """What ``file_to_result`` may answer: allowed statuses, and allowed error codes when it fails."""
    statuses: tuple[str, ...]
    codes: tuple[str, ...] | None = None  # None: any code of discl.errors.CODES

    def check(self, status: str, code: str | None) -> str | None:
        """None when (status, code) is acceptable, else a description of the mismatch."""
        if status not in self.statuses:
            return f"status {status!r} not in {self.statuses}"
        if status == "failed":
            if code is None or code not in CODES:
                return f"failed without a known error code ({code!r})"
            if self.codes is not None and code not in self.codes:
                return f"error code {code!r} not in {self.codes}"
        return None


OK = Expect(("ok",))
# damaged copies of a report: how much of it survives depends on where the damage fell, but a failure
# must carry a specific code (checked for every case)
SURVIVABLE = Expect(("ok", "partial", "failed"))
NOT_OK = Expect(("partial", "failed"))


def fails(*codes: str) -> Expect:
    unknown = set(codes) - set(CODES)
    assert not unknown, f"unknown error codes {unknown}"
    return Expect(("failed",), tuple(codes))


@dataclass(frozen=True)
class Case:
    path: str
    kind: str
    expect: Expect
    budget_s: float = DEFAULT_BUDGET_S
    good: bool = False  # a good report mixed into the batch (status ok required)


# --------------------------------------------------------------------------------------------------
# byte mutations (shared with the hypothesis fuzz tests)


def truncate(data: bytes, fraction: float) -> bytes:
    """The first ``fraction`` of ``data``; never empty, never the whole file."""
    n = min(max(1, int(len(data) * fraction)), len(data) - 1)
    return data[:n]


def flip_bits(data: bytes, rng: random.Random, n: int) -> bytes:
    """``data`` with ``n`` random bits flipped. The first 8 bytes are spared so the format sniffer still
    sends the file to its reader (the damage is then the reader's problem, which is the point)."""
    out = bytearray(data)
    for _ in range(n):
        i = rng.randrange(min(8, len(out) - 1), len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random damage: bit flips, an inserted or deleted run, a truncation, or a duplicated span."""
    op = rng.randrange(5)
    if op == 0 or len(data) < 16:
        return flip_bits(data, rng, rng.randint(1, 32))
    i = rng.randrange(8, len(data))
    if op == 1:
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + data[i:]
    if op == 2:
        return data[:i] + data[i + rng.randint(1, 4096):]
    if op == 3:
        return data[:i]
    j = rng.randrange(len(data))
    return data[:i] + data[j:j + rng.randint(1, 4096)] + data[i:]


# --------------------------------------------------------------------------------------------------
# building blocks: minimal PDF and DOCX writers for crafted files


def pdf_bytes(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies (object i+1 is ``objects[i]``) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def simple_pdf(texts: list[bytes], page_extra: bytes = b"") -> bytes:
    """One page per content stream in ``texts`` (raw content-stream bytes), Helvetica as /F1."""
    n = len(texts)
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n), _FONT]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
             b"/Contents %d 0 R %s>>" % (4 + n + i, page_extra) for i in range(n)]
    objs += [pdf_stream(t) for t in texts]
    return pdf_bytes(objs)


def text_op(s: str) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % s.encode("latin-1")


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.wordprocessingml.document.main+xml"/></Types>')


def docx_bytes(document_xml: str | bytes, extra: dict[str, bytes | str] | None = None,
               compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal DOCX zip holding ``word/document.xml`` (and ``extra`` members)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def w_document(body: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}"><w:body>{body}'
            "</w:body></w:document>")


def w_p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


# --------------------------------------------------------------------------------------------------
# good sources


@dataclass
class Source:
    label: str
    ext: str  # ".pdf", ".docx", ".html", ".txt", ".md"
    data: bytes


def rendered_sources(tmp: Path, seed: int = 7) -> list[Source]:
    """Good reports rendered in every format (both templates)."""
    out: list[Source] = []
    for i, template in enumerate(("gb2021", "gb2019")):
        spec: ReportSpec = random_spec(random.Random(seed + i), template=template, agency="示例市人民政府办公室")
        out.append(Source(f"r{i}", ".html", render_html(spec).encode("utf-8")))
        out.append(Source(f"r{i}", ".txt", render_text(spec).encode("utf-8")))
        out.append(Source(f"r{i}", ".md", render_markdown(spec).encode("utf-8")))
        out.append(Source(f"r{i}", ".docx", render_docx(spec, tmp / f"_r{i}.docx").read_bytes()))
        if i == 0:  # one PDF is enough: rendering is the slow part of generation
            out.append(Source(f"r{i}", ".pdf", render_pdf(spec, tmp / f"_r{i}.pdf").read_bytes()))
    return out


def corpus_sources(corpus: Path = CORPUS) -> list[Source]:
    """The real reports, read into memory (the corpus itself is never written)."""
    if not corpus.is_dir():
        return []
    out = []
    for p in sorted(corpus.glob("*/report.*")):
        out.append(Source("c-" + p.parent.name, p.suffix.lower(), p.read_bytes()))
    return out


# --------------------------------------------------------------------------------------------------
# the generator


class _Builder:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.cases: list[Case] = []

    def add(self, name: str, data: bytes, kind: str, expect: Expect, budget_s: float = DEFAULT_BUDGET_S,
            good: bool = False) -> Path:
        path = self.out / name
        assert not path.exists() and not path.is_symlink(), f"duplicate case name {name!r}"
        path.write_bytes(data)
        return self.register(path, kind, expect, budget_s, good)

    def register(self, path: Path | str, kind: str, expect: Expect, budget_s: float = DEFAULT_BUDGET_S,
                 good: bool = False) -> Path:
        self.cases.append(Case(os.fsdecode(path), kind, expect, budget_s, good))
        return Path(path)


def generate(out: Path | str, *, big: bool = False, corpus: Path | None = CORPUS, seed: int = 0) -> list[Case]:
    """Write every hostile input (and a few good reports) into ``out``; return the cases.

    ``big`` adds the slow variants (more bit-flip seeds, legacy .doc files converted with LibreOffice,
    a 500-page PDF read with a raised page limit).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "_work"
    work.mkdir(exist_ok=True)
    b = _Builder(out)
    rendered = rendered_sources(work, seed + 7)
    real = corpus_sources(corpus) if corpus is not None else []
    sources = rendered + real
    _good(b, rendered)
    _truncated(b, sources)
    _bit_flipped(b, sources, seed, n_seeds=12 if big else 4)
    _empty_files(b)
    _wrong_extensions(b, rendered)
    _error_pages(b)
    _docx_attacks(b)
    _html_attacks(b, rendered)
    _pdf_attacks(b, work)
    _text_attacks(b, rendered)
    _ole_attacks(b, work, rendered, big)
    _odd_names(b, rendered)
    _filesystem_oddities(b, rendered)
    _big_files(b, big)
    return b.cases


def _good(b: _Builder, rendered: list[Source]) -> None:
    for s in rendered:
        b.add(f"good-{s.label}{s.ext}", s.data, "good", OK, good=True)


def _truncated(b: _Builder, sources: list[Source]) -> None:
    for s in sources:
        if s.ext not in (".pdf", ".docx", ".html"):
            continue
        for frac in CUT_POINTS:
            # a PDF or DOCX cut anywhere loses its xref / zip directory; a web page cut near its end may
            # still hold every table, so only the early cuts must fail
            expect = NOT_OK if s.ext != ".html" or frac <= 0.1 else SURVIVABLE
            if s.ext == ".pdf":
                # PDFium rebuilds a lost xref table by scanning the objects: a late cut can survive
                expect = SURVIVABLE if frac > 0.1 else NOT_OK
            b.add(f"trunc-{s.label}-{int(frac * 1000):03d}{s.ext}", truncate(s.data, frac), "truncated", expect)
        b.add(f"trunc-{s.label}-minus1{s.ext}", s.data[:-1], "truncated",
              NOT_OK if s.ext == ".docx" else SURVIVABLE)


def _bit_flipped(b: _Builder, sources: list[Source], seed: int, n_seeds: int) -> None:
    for s in sources:
        if s.ext not in (".pdf", ".docx", ".html"):
            continue
        for k in range(n_seeds):
            rng = random.Random(f"{seed}-{s.label}-{s.ext}-{k}")
            n = (1, 8, 64, 512)[k % 4]
            b.add(f"flip-{s.label}-{k:02d}-{n}bits{s.ext}", flip_bits(s.data, rng, n), "bit_flipped", SURVIVABLE)


_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".html", ".htm", ".shtml", ".xhtml", ".txt", ".text",
               ".md", ".markdown", ".xlsx", "")


def _empty_files(b: _Builder) -> None:
    for ext in _EXTENSIONS:
        b.add(f"empty{ext or '-no-extension'}", b"", "empty", fails("empty_file"))
    # only whitespace / only a BOM: not empty, but nothing to read
    b.add("blank.txt", b" \n\t\r\n" * 100, "empty", fails("not_a_report"))
    b.add("bom-only.html", b"\xef\xbb\xbf", "empty", fails("not_a_report", "empty_file"))
    b.add("bom-only.txt", b"\xef\xbb\xbf", "empty", fails("not_a_report", "empty_file"))


def _wrong_extensions(b: _Builder, rendered: list[Source]) -> None:
    by_ext = {s.ext: s for s in rendered if s.label == "r0"}
    # good content under a misleading name: read for what it is
    for src, exts in ((".pdf", (".docx", ".doc", ".html", ".txt", ".md", ".xlsx", "")),
                      (".docx", (".pdf", ".doc", ".html", ".txt")),
                      (".html", (".pdf", ".docx", ".doc", ".txt", ".md")),
                      (".txt", (".doc", ".pdf", ".docx", ".wps", ".html"))):
        for ext in exts:
            b.add(f"renamed-{src[1:]}-as{ext or '-no-extension'}", by_ext[src].data, "wrong_extension", OK)
    # binary data of no known format under a document name
    rng = random.Random(11)
    noise = bytes(rng.randrange(256) for _ in range(20000))
    for ext in (".pdf", ".docx", ".doc", ".html", ".txt", ".md", ""):
        b.add(f"noise{ext or '-no-extension'}", noise, "wrong_extension",
              fails("corrupt", "unsupported_format"))
    # other formats under report names
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    b.add("spreadsheet-as.docx", xlsx.getvalue(), "wrong_extension", fails("corrupt", "unsupported_format"))
    b.add("spreadsheet-as.pdf", xlsx.getvalue(), "wrong_extension", fails("corrupt", "unsupported_format"))
    png = b"\x89PNG\r\n\x1a\n" + bytes(2000)
    b.add("image-as.pdf", png, "wrong_extension", fails("corrupt", "unsupported_format"))
    b.add("image-as.html", png, "wrong_extension", fails("corrupt", "unsupported_format"))
    b.add("gzip-as.html", zlib.compress(by_ext[".html"].data), "wrong_extension",
          fails("corrupt", "unsupported_format"))


_ERROR_PAGES = {
    "404": "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found"
           "</h1></center><hr><center>nginx</center></body></html>",
    "500": "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>"
           "<p>The server encountered an internal error.</p></body></html>",
    "waf": '<html><head><meta charset="gbk"><title>访问被拦截</title></head><body><div>您的访问请求可能对网站造成'
           "安全威胁，已被拦截。</div><table><tr><td>事件ID</td><td>10223</td></tr></table></body></html>",
    "login": "<html><body><form action='/login'><input name=u><input type=password name=p></form>"
             "<script>location.href='/sso'</script></body></html>",
}


def _error_pages(b: _Builder) -> None:
    for name, page in _ERROR_PAGES.items():
        data = page.encode("gb18030")
        for ext in (".pdf", ".html", ".docx", ".doc", ".txt"):
            b.add(f"error-page-{name}{ext}", data, "error_page", fails("not_a_report"))


def _docx_attacks(b: _Builder) -> None:
    ok_doc = w_document(w_p("政府信息公开工作年度报告"))
    # zip bombs
    bomb = b.out / "bomb-declared-size.docx"
    bomb.write_bytes(docx_bytes(ok_doc))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, written streaming: ~300 KB on disk
                f.write(chunk)
    b.register(bomb, "zip_bomb", fails("unsafe_content"))
    b.add("bomb-ratio.docx", docx_bytes(ok_doc, {"word/media/zeros.bin": b"\0" * 20_000_000}), "zip_bomb",
          fails("unsafe_content"))
    # document.xml itself inflates hugely (whitespace is valid XML)
    huge = w_document(w_p("x") + " " * 50_000_000)
    b.add("bomb-document-xml.docx", docx_bytes(huge), "zip_bomb", fails("unsafe_content"))
    # a central directory that understates the size: the bounded read / CRC check must catch it
    b.add("bomb-lying-header.docx", _lying_zip(w_document(w_p("x") + " " * 5_000_000)), "zip_bomb",
          fails("corrupt", "unsafe_content"))
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/document.xml", ok_doc)
        for i in range(12_000):
            z.writestr(f"word/m{i}.xml", b"")
    b.add("bomb-many-members.docx", many.getvalue(), "zip_bomb", fails("unsafe_content"))
    # nested zip (a docx inside a docx): not read, must not be inflated
    b.add("bomb-nested-zip.docx", docx_bytes(ok_doc, {"word/embeddings/inner.docx": docx_bytes(huge)}),
          "zip_bomb", fails("not_a_report"))
    # entities
    xxe = w_document(w_p("&xxe;"), '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    b.add("xxe-file.docx", docx_bytes(xxe), "xxe", fails("unsafe_content"))
    xxe_net = w_document(w_p("&xxe;"), '<!DOCTYPE d [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>')
    b.add("xxe-network.docx", docx_bytes(xxe_net), "xxe", fails("unsafe_content"))
    dtd = w_document(w_p("x"), '<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">')
    b.add("xxe-external-dtd.docx", docx_bytes(dtd), "xxe", fails("unsafe_content"))
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    b.add("billion-laughs.docx", docx_bytes(w_document(w_p("&lol9;"), f"<!DOCTYPE lolz [{ents}]>")),
          "billion_laughs", fails("unsafe_content"))
    u16 = w_document(w_p("&x;"), '<!DOCTYPE d [<!ENTITY x "y">]>').replace('encoding="UTF-8"',
                                                                           'encoding="UTF-16"')
    b.add("billion-laughs-utf16.docx", docx_bytes(u16.encode("utf-16")), "billion_laughs",
          fails("unsafe_content"))
    # XInclude and external relationships are never followed (the network guard would see it)
    xi = w_document('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://127.0.0.1:9/x"/>'
                    + w_p("x"))
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'image" Target="http://127.0.0.1:9/img.png" TargetMode="External"/></Relationships>')
    b.add("xinclude-external-rels.docx", docx_bytes(xi, {"word/_rels/document.xml.rels": rels}), "xxe",
          fails("not_a_report"))
    # structure
    b.add("docx-no-body.docx", docx_bytes(f'<w:document xmlns:w="{W_NS}"/>'), "docx_structure",
          fails("corrupt"))
    b.add("docx-not-xml.docx", docx_bytes(b"\x00\x01 this is not xml"), "docx_structure", fails("corrupt"))
    b.add("docx-empty-xml.docx", docx_bytes(b""), "docx_structure", fails("corrupt"))
    b.add("docx-wrong-namespace.docx", docx_bytes('<document><body><p>x</p></body></document>'),
          "docx_structure", fails("corrupt"))
    b.add("docx-no-document-part.docx", docx_bytes(ok_doc).replace(b"word/document.xml", b"word/documenX.xml"),
          "docx_structure", fails("corrupt", "unsupported_format"))
    # deeply nested tables: within libxml2's depth limit (recursion in the reader), and far beyond it
    for depth in (60, 2000):
        body = "<w:tbl><w:tr><w:tc>" * depth + w_p("深") + "</w:tc></w:tr></w:tbl>" * depth
        b.add(f"docx-nested-tables-{depth}.docx", docx_bytes(w_document(body)), "nested_tables",
              fails("not_a_report", "corrupt", "unsafe_content"))
    # absurd spans
    span_row = "<w:tr>" + "".join(
        f'<w:tc><w:tcPr><w:gridSpan w:val="{v}"/><w:vMerge w:val="restart"/></w:tcPr>{w_p("1")}</w:tc>'
        for v in ("1000000", "-5", "abc", "99999999999999999999", "0")) + "</w:tr>"
    cont_row = "<w:tr>" + ('<w:tc><w:tcPr><w:gridSpan w:val="1000000"/><w:vMerge/></w:tcPr>'
                           + w_p("2") + "</w:tc>") * 5 + "</w:tr>"
    body = ('<w:tbl><w:tr><w:trPr><w:gridBefore w:val="1000000"/><w:gridAfter w:val="1000000"/></w:trPr>'
            f'<w:tc>{w_p("a")}</w:tc></w:tr>' + span_row + cont_row * 2000 + "</w:tbl>")
    # stored, not deflated: repetitive XML compresses >100x and would be refused as a zip bomb before the
    # spans are ever read
    b.add("docx-absurd-spans.docx", docx_bytes(w_document(body), compression=zipfile.ZIP_STORED), "absurd_spans",
          fails("not_a_report"))
    # very many small cells
    body = "<w:tbl>" + ("<w:tr>" + f"<w:tc>{w_p('9')}</w:tc>" * 100 + "</w:tr>") * 3000 + "</w:tbl>"
    b.add("docx-300k-cells.docx", docx_bytes(w_document(body), compression=zipfile.ZIP_STORED), "absurd_spans",
          fails("not_a_report"))
    b.add("docx-300k-cells-deflated.docx", docx_bytes(w_document(body)), "zip_bomb", fails("unsafe_content"))


def _lying_zip(document_xml: str) -> bytes:
    """A DOCX whose headers claim ``word/document.xml`` is 100 bytes while it inflates to megabytes."""
    data = docx_bytes(document_xml)
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("word/document.xml")
    real = info.file_size.to_bytes(4, "little")
    # patch the uncompressed size in both the local header and the central directory
    return data.replace(real, (100).to_bytes(4, "little"))


def _html_attacks(b: _Builder, rendered: list[Source]) -> None:
    page = next(s for s in rendered if s.ext == ".html" and s.label == "r0").data.decode("utf-8")
    passwd_xxe = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                  "<html><body><table><tr><td>&xxe;</td><td>1</td></tr></table></body></html>")
    b.add("xxe-file.html", passwd_xxe.encode(), "xxe", fails("not_a_report"))
    b.add("xxe-file.xhtml", passwd_xxe.encode(), "xxe", fails("not_a_report"))
    b.add("xxe-network.html", b'<!DOCTYPE html SYSTEM "http://127.0.0.1:9/x.dtd"><html><body>'
          b'<img src="http://127.0.0.1:9/a.png"><link rel="stylesheet" href="http://127.0.0.1:9/s.css">'
          b'<iframe src="http://127.0.0.1:9/"></iframe><p>x</p></body></html>', "xxe", fails("not_a_report"))
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    b.add("billion-laughs.html", f'<?xml version="1.0"?><!DOCTYPE lolz [{ents}]><html><body><p>&lol9;</p>'
          "</body></html>".encode(), "billion_laughs", fails("not_a_report"))
    # the report wrapped in 5000 nested layout tables, and 100k nested divs
    deep = "<table><tr><td>" * 5000 + "<p>x</p>" + "</td></tr></table>" * 5000
    b.add("nested-tables-5000.html", f"<html><body>{deep}</body></html>".encode(), "nested_tables",
          fails("not_a_report"))
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    wrapped = "<table><tr><td>" * 5000 + body + "</td></tr></table>" * 5000
    b.add("nested-tables-5000-report.html", f"<html><body>{wrapped}</body></html>".encode(), "nested_tables",
          SURVIVABLE)
    b.add("nested-divs-100k.html", ("<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000
                                    + "</body></html>").encode(), "nested_tables", fails("not_a_report"))
    b.add("unclosed-tags-100k.html", ("<html><body>" + "<table><tr><td><b><i>" * 20_000).encode(),
          "nested_tables", fails("not_a_report"))
    # absurd spans and sizes
    cells = "".join(f'<td rowspan="{r}" colspan="{c}">1</td>' for r, c in
                    (("100000", "100000"), ("-1", "-1"), ("0", "0"), ("1e9", "2e9"), ("abc", ""),
                     ("99999999999999999999999", "4294967297"), ("  7  ", "\u0663")))
    b.add("absurd-spans.html", f"<html><body><table><tr>{cells}</tr>{'<tr><td>2</td></tr>' * 5000}</table>"
          "</body></html>".encode(), "absurd_spans", fails("not_a_report"))
    row = "<tr>" + '<td colspan="200" rowspan="200">9</td>' * 50 + "</tr>"
    b.add("span-grid-explosion.html", f"<html><body><table>{row * 2000}</table></body></html>".encode(),
          "absurd_spans", fails("not_a_report"))
    # the real report with every cell's spans replaced by huge ones
    b.add("report-huge-spans.html", page.replace("<td", '<td rowspan="5000" colspan="5000"').encode(),
          "absurd_spans", NOT_OK)
    b.add("wide-row-200k-cells.html", ("<html><body><table><tr>" + "<td>1</td>" * 200_000
                                       + "</tr></table></body></html>").encode(), "absurd_spans",
          fails("not_a_report"))
    # encodings
    b.add("charset-bogus.html", page.replace('charset="utf-8"', 'charset="x-no-such-charset"').encode(),
          "encoding", OK)
    b.add("charset-utf16-lie.html", page.replace('charset="utf-8"', 'charset="utf-16"').encode(), "encoding",
          SURVIVABLE)
    b.add("charset-utf7.html", page.replace('charset="utf-8"', 'charset="utf-7"').encode(), "encoding",
          SURVIVABLE)
    b.add("html-utf16-bom.html", page.encode("utf-16"), "encoding", OK)
    b.add("html-nul-bytes.html", page.replace("</p>", "\0</p>").encode(), "nul_bytes",
          Expect(("ok", "partial", "failed"), ("corrupt",)))
    b.add("html-control-chars.html", page.replace("<p>", "<p>\x01\x02\x1b").encode(), "encoding", SURVIVABLE)
    b.add("html-lone-surrogate-refs.html", page.replace("<p>", "<p>&#xD800;&#55296;&#x110000;&#0;").encode(),
          "encoding", OK)
    b.add("html-invalid-utf8.html", page.encode("utf-8").replace(b"<p>", b"<p>\xff\xfe\xc0\x80"), "encoding",
          SURVIVABLE)
    b.add("html-one-bad-byte.html", page.encode("utf-8").replace(b"<h2>", b"<h2>\xe4\xb8", 1), "encoding", OK)
    b.add("html-only-script.html", b"<html><head><script>" + b"var a=1;" * 100_000
          + b"</script></head><body></body></html>", "error_page", fails("not_a_report"))


def _pdf_attacks(b: _Builder, work: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    path = work / "_enc.pdf"
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("user-pw", "owner-pw", canPrint=0))
    c.drawString(72, 720, "secret report")
    c.save()
    b.add("encrypted-user-password.pdf", path.read_bytes(), "encrypted", fails("encrypted"))
    # an owner password only (no user password): readable without a password, but not a report
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("", "owner-pw", canPrint=0))
    c.drawString(72, 720, "not a report")
    c.save()
    b.add("encrypted-owner-only.pdf", path.read_bytes(), "encrypted", fails("not_a_report"))
    # a PDF with /Encrypt naming an unknown security handler
    plain = simple_pdf([text_op("x")])
    b.add("encrypted-unknown-handler.pdf", plain.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt << /Filter "
          b"/NoSuchHandler /V 9 /R 9 /O (x) /U (y) /P -4 >> /ID [<00> <00>]"), "encrypted",
          fails("encrypted", "corrupt"))
    # page counts
    b.add("pages-500.pdf", simple_pdf([text_op(f"page {i}") for i in range(500)]), "many_pages",
          fails("too_many_pages"))
    kids = b" ".join(b"3 0 R" for _ in range(10))
    b.add("pages-count-lie.pdf", pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                                             b"<< /Type /Pages /Kids [%s] /Count 2000000000 >>" % kids,
                                             b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"]),
          "many_pages", fails("not_a_report", "too_many_pages", "corrupt"))
    b.add("pages-tree-loop.pdf", pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                                             b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                             b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>"]),
          "pdf_structure", fails("corrupt", "not_a_report"))
    b.add("pages-none.pdf", pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                                        b"<< /Type /Pages /Kids [] /Count 0 >>"]), "pdf_structure",
          fails("corrupt"))
    b.add("pdf-root-missing.pdf", pdf_bytes([b"<< /Type /Pages /Kids [] /Count 0 >>"], root=7), "pdf_structure",
          fails("corrupt"))
    b.add("pdf-header-only.pdf", b"%PDF-1.7\n", "pdf_structure", fails("corrupt"))
    b.add("pdf-header-garbage.pdf", b"%PDF-1.4\n" + bytes(random.Random(3).randrange(256) for _ in range(50_000)),
          "pdf_structure", fails("corrupt"))
    b.add("pdf-xref-garbage.pdf", plain.replace(b"xref\n", b"xref\n99999999 -1\n"), "pdf_structure",
          Expect(("failed",), ("corrupt", "not_a_report")))
    b.add("pdf-self-reference.pdf", pdf_bytes([b"<< /Type /Catalog /Pages 1 0 R >>"]), "pdf_structure",
          fails("corrupt", "not_a_report"))
    b.add("pdf-html-after-header.pdf", b"%PDF-1.4\n<html><body><h1>404</h1></body></html>", "error_page",
          fails("corrupt"))
    # deep nesting in content and in objects
    b.add("pdf-deep-arrays-content.pdf", simple_pdf([b"[" * 200_000 + b"] TJ"]), "pdf_structure",
          fails("not_a_report", "corrupt"))
    b.add("pdf-deep-dict.pdf", simple_pdf([text_op("x")], page_extra=b"/X " + b"<< /A " * 50_000 + b">>" * 50_000),
          "pdf_structure", fails("not_a_report", "corrupt"))
    b.add("pdf-deep-forms.pdf", _recursive_form_pdf(), "pdf_structure", fails("not_a_report", "corrupt"))
    # a content stream that inflates to 200 MB (a flate bomb on the page)
    b.add("pdf-flate-bomb.pdf", _flate_bomb_pdf(200), "zip_bomb", fails("not_a_report", "corrupt"),
          budget_s=30.0)
    b.add("pdf-bad-flate.pdf", simple_pdf([b"x"]).replace(b"<< /Length 1 >>", b"<< /Length 1 /Filter "
          b"/FlateDecode >>"), "pdf_structure", fails("not_a_report", "corrupt"))
    b.add("pdf-many-operators.pdf", simple_pdf([b"0 0 m 1 1 l S\n" * 300_000]), "pdf_structure",
          fails("not_a_report"))
    # no text: blank, image only (a scan), and text that is no report
    b.add("pdf-blank.pdf", simple_pdf([b""]), "pdf_content", fails("not_a_report"))
    # a scan of noise: OCR reads it and finds no report (needs_ocr where OCR is not installed)
    b.add("pdf-scan.pdf", _image_pdf(), "pdf_content", fails("not_a_report", "needs_ocr"))
    b.add("pdf-not-a-report.pdf", simple_pdf([text_op("Quarterly newsletter, nothing to see")]), "pdf_content",
          fails("not_a_report"))
    b.add("pdf-huge-mediabox.pdf", simple_pdf([text_op("x")]).replace(b"[0 0 595 842]", b"[0 0 1e30 -1e30]"),
          "pdf_structure", fails("not_a_report", "corrupt"))


def _recursive_form_pdf() -> bytes:
    """A page whose form XObject draws itself (an infinite recursion for a naive renderer)."""
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X 5 0 R >> "
        b"/Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
        pdf_stream(b"/X Do " + text_op("x")),
        pdf_stream(b"/X Do", b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject "
                             b"<< /X 5 0 R >> >>"),
        _FONT])


def _flate_bomb_pdf(megabytes: int) -> bytes:
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(comp.compress(chunk) for _ in range(megabytes)) + comp.compress(text_op("x")) + comp.flush()
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R "
                      b">> >> /Contents 4 0 R >>",
                      pdf_stream(data, b"/Filter /FlateDecode"), _FONT])


def _image_pdf() -> bytes:
    img = bytes(random.Random(5).randrange(256) for _ in range(64 * 64))
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im 5 0 R "
                      b">> >> /Contents 4 0 R >>",
                      pdf_stream(b"q 500 0 0 700 40 60 cm /Im Do Q"),
                      pdf_stream(img, b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                                      b"/BitsPerComponent 8")])


def _text_attacks(b: _Builder, rendered: list[Source]) -> None:
    txt = next(s for s in rendered if s.ext == ".txt" and s.label == "r0").data.decode("utf-8")
    md = next(s for s in rendered if s.ext == ".md" and s.label == "r0").data.decode("utf-8")
    # NUL bytes: at the start (sniffed as binary) and only after the sniffed head
    b.add("nul-bytes-head.txt", txt.replace("\n", "\0\n").encode(), "nul_bytes",
          Expect(("ok", "partial", "failed"), ("corrupt", "unsupported_format")))
    # NULs only after the sniffed head (8 KB): the text reader gets them
    b.add("nul-bytes-tail.txt", (txt + "\n" + "附注。" * 3000 + "\0" * 10).encode(), "nul_bytes", SURVIVABLE)
    b.add("nul-bytes-only.txt", b"\0" * 10000, "nul_bytes", fails("corrupt", "unsupported_format"))
    b.add("nul-bytes.md", md.replace("|", "|\0", 3).encode(), "nul_bytes", SURVIVABLE)
    # UTF-16 without a BOM (both byte orders), and with one
    for enc in ("utf-16-le", "utf-16-be"):
        b.add(f"no-bom-{enc}.txt", txt.encode(enc), "utf16", OK)
        b.add(f"no-bom-{enc}.md", md.encode(enc), "utf16", OK)
    b.add("bom-utf-16.txt", txt.encode("utf-16"), "utf16", OK)
    b.add("utf-32.txt", txt.encode("utf-32"), "utf16", SURVIVABLE)
    b.add("gb18030.txt", txt.encode("gb18030"), "encoding", OK)
    b.add("big5.txt", txt.encode("big5", errors="replace"), "encoding", SURVIVABLE)
    b.add("latin1-garbage.txt", bytes(range(128, 256)) * 200, "encoding", SURVIVABLE)
    # Markdown and text with absurd shapes
    wide = "| " + " | ".join(f"c{i}" for i in range(10_000)) + " |\n"
    sep = "|" + "---|" * 10_000 + "\n"
    b.add("md-10000-columns.md", (wide + sep + wide.replace("c", "1") * 50).encode(), "wide_table",
          fails("not_a_report"))
    b.add("md-10000-columns-report.md", (md + "\n" + wide + sep + wide * 30).encode(), "wide_table", SURVIVABLE)
    b.add("md-pipes.md", (("|" * 100_000 + "\n") * 10).encode(), "wide_table", fails("not_a_report"))
    b.add("txt-100k-tabs.txt", (("1\t" * 100_000 + "\n") * 5).encode(), "wide_table", fails("not_a_report"))
    b.add("txt-one-long-line.txt", ("政府信息公开" * 200_000).encode(), "wide_table", fails("not_a_report"))
    b.add("txt-many-lines.txt", ("行政许可\t1\t2\n" * 200_000).encode(), "wide_table", SURVIVABLE)
    b.add("md-separator-regex.md", ("|" + "-" * 5000 + ":" + " " * 5000 + "x\n") .encode() * 20, "redos",
          fails("not_a_report"))
    b.add("md-headings.md", ("#" * 100_000 + " x\n").encode() * 3, "redos", fails("not_a_report"))
    b.add("txt-cr-only.txt", txt.replace("\n", "\r").encode(), "encoding", OK)
    b.add("txt-form-feeds.txt", txt.replace("\n", "\f\n").encode(), "encoding", OK)


def _ole_attacks(b: _Builder, work: Path, rendered: list[Source], big: bool) -> None:
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    b.add("ole-header-only.doc", bytes(header), "ole", fails("corrupt"))
    b.add("ole-truncated.doc", bytes(header[:100]), "ole", fails("corrupt"))
    bad = bytearray(header)
    bad[0x1E:0x20] = (30).to_bytes(2, "little")  # an impossible sector shift
    b.add("ole-bad-sector-shift.doc", bytes(bad) + bytes(4096), "ole", fails("corrupt"))
    loop = bytearray(header)
    loop[0x1E:0x20] = (9).to_bytes(2, "little")
    loop[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector ...
    loop[0x30:0x34] = (1).to_bytes(4, "little")  # ... directory starts at sector 1
    loop[0x4C:0x50] = (0).to_bytes(4, "little")  # FAT in sector 0
    loop[0x50:0x200] = b"\xff" * (0x200 - 0x50)
    fat = bytearray(b"\xff" * 512)
    fat[4:8] = (1).to_bytes(4, "little")  # sector 1 -> sector 1: a directory chain that loops
    b.add("ole-directory-loop.doc", bytes(loop) + bytes(fat) + bytes(512), "ole", fails("corrupt"))
    b.add("ole-random-body.doc", bytes(header[:8]) + bytes(random.Random(9).randrange(256) for _ in range(8192)),
          "ole", fails("corrupt", "conversion_failed"))
    if big:
        # a real .doc (LibreOffice conversion of a rendered DOCX), then damaged copies of it
        import subprocess
        docx = work / "_legacy.docx"
        docx.write_bytes(next(s for s in rendered if s.ext == ".docx").data)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/_lo", "--headless", "--convert-to",
                        "doc", "--outdir", str(work), str(docx)], capture_output=True, timeout=120, check=False)
        doc = work / "_legacy.doc"
        if doc.exists():
            data = doc.read_bytes()
            b.add("legacy-good.doc", data, "good", OK, budget_s=30.0, good=True)
            for k in range(4):
                b.add(f"legacy-flip-{k}.doc", flip_bits(data, random.Random(k), 64), "bit_flipped", SURVIVABLE,
                      budget_s=30.0)
            b.add("legacy-trunc-half.doc", truncate(data, 0.5), "truncated", NOT_OK, budget_s=30.0)


def _odd_names(b: _Builder, rendered: list[Source]) -> None:
    by_ext = {s.ext: s for s in rendered if s.label == "r0"}
    names = ["with space.txt", "new\nline.txt", "quote'\"`.txt", "emoji-📄报告.txt", "-leading-dash.txt",
             "--help.txt", "$(touch pwned).txt", "back\\slash.txt", "tab\tname.txt", ".hidden.txt",
             "x" * 245 + ".txt", "报" * 80 + ".txt", "trailing-dot..txt", "UPPER.TXT", "semi;colon|pipe&.txt",
             "combining-e\u0301.txt", "rtl-\u202etxt.exe.txt", "nbsp\u00a0name.txt"]
    for name in names:
        b.add(f"name-{name}" if not name.startswith("-") else name, by_ext[".txt"].data, "odd_name", OK, good=True)
    for ext in (".pdf", ".docx", ".html", ".md"):
        b.add(f"-emoji 📄 'name'\n{ext[1:]}{ext}", by_ext[ext].data, "odd_name", OK, good=True)
    # bytes that are not UTF-8 in the name (Linux allows them; Python passes them as surrogate escapes)
    for ext in (".txt", ".pdf", ".docx", ".html"):
        raw = os.fsencode(b.out) + b"/name-\xff\xfe-gbk-\xb1\xa8\xb8\xe6" + ext.encode()
        try:
            with open(raw, "wb") as f:
                f.write(by_ext[ext].data)
        except OSError:
            continue  # a filesystem that refuses such names (the case is then not applicable)
        b.register(os.fsdecode(raw), "odd_name", OK, good=True)
    # a broken file with an undecodable name: the failure path must not choke on the name either
    raw = os.fsencode(b.out) + b"/broken-\xff\xfe.pdf"
    with contextlib.suppress(OSError):
        with open(raw, "wb") as f:
            f.write(b"%PDF-1.4\n garbage")
        b.register(os.fsdecode(raw), "odd_name", fails("corrupt"))


def _filesystem_oddities(b: _Builder, rendered: list[Source]) -> None:
    txt = next(s for s in rendered if s.ext == ".txt" and s.label == "r0").data
    for name in ("directory.pdf", "directory.docx", "directory.html"):
        (b.out / name).mkdir()
        b.register(b.out / name, "filesystem", fails("not_found"))
    loop = b.out / "symlink-loop.pdf"
    loop.symlink_to(loop.name)
    b.register(loop, "filesystem", fails("not_found"))
    a, c = b.out / "symlink-loop-a.html", b.out / "symlink-loop-b.html"
    a.symlink_to(c.name)
    c.symlink_to(a.name)
    b.register(a, "filesystem", fails("not_found"))
    dangling = b.out / "symlink-dangling.docx"
    dangling.symlink_to("no-such-target.docx")
    b.register(dangling, "filesystem", fails("not_found"))
    good_link = b.out / "symlink-to-good.txt"
    good_link.symlink_to("good-r0.txt")
    b.register(good_link, "filesystem", OK, good=True)
    # device files and a FIFO: opening or reading them never ends (a FIFO blocks on open)
    for name, target in (("symlink-dev-zero.txt", "/dev/zero"), ("symlink-dev-urandom.pdf", "/dev/urandom")):
        if os.path.exists(target):
            (b.out / name).symlink_to(target)
            b.register(b.out / name, "filesystem", fails("not_found", "unsupported_format"))
    fifo = b.out / "fifo.txt"
    with contextlib.suppress(OSError, AttributeError):
        os.mkfifo(fifo)
        b.register(fifo, "filesystem", fails("not_found", "unsupported_format"))
    # a file nobody may read; root reads it anyway, and then it is a good report
    locked = b.add("unreadable-chmod-000.txt", txt, "filesystem", OK)
    locked.chmod(0)
    b.cases[-1] = Case(str(locked), "filesystem", OK if os.access(locked, os.R_OK) else fails("not_found"))
    # a sparse file far above the size limit: refused without reading (or hashing) it
    sparse = b.out / "sparse-20GB.pdf"
    with open(sparse, "wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(20 * 1024 ** 3)
    b.register(sparse, "too_large", fails("too_large"))


def _big_files(b: _Builder, big: bool) -> None:
    # 100 MB of site chrome around nothing, written streaming: above the default 60 MB limit
    path = b.out / "huge-100MB.html"
    chrome = ("<div class='nav'>" + "<a href='#'>首页 政务公开 政府信息公开 123</a>" * 1000 + "</div>\n").encode()
    with open(path, "wb") as f:
        f.write(b"<html><body>")
        written = 0
        while written < 100 * 1024 * 1024:
            f.write(chrome)
            written += len(chrome)
        f.write(b"</body></html>")
    b.register(path, "too_large", fails("too_large"), budget_s=BIG_BUDGET_S)
    path = b.out / "huge-100MB.txt"
    with open(path, "wb") as f:
        line = ("第二十条\t" + "1\t" * 50 + "\n").encode()
        f.write(line * (100 * 1024 * 1024 // len(line) + 1))
    b.register(path, "too_large", fails("too_large"), budget_s=BIG_BUDGET_S)


# --------------------------------------------------------------------------------------------------
# running


class NetworkAttempt(AssertionError):
    pass


@contextlib.contextmanager
def no_network(calls: list[str]) -> Iterator[list[str]]:
    """Make every socket connect / name lookup raise, recording the attempt in ``calls``."""
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)

    def refuse(what: str) -> Callable[..., object]:
        def _refuse(*args: object, **kwargs: object) -> object:
            calls.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise NetworkAttempt(f"network access attempted during parsing: {what}")
        return _refuse

    socket.socket.connect = refuse("socket.connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse("socket.connect_ex")  # type: ignore[method-assign]
    socket.create_connection = refuse("create_connection")  # type: ignore[assignment]
    socket.getaddrinfo = refuse("getaddrinfo")  # type: ignore[assignment]
    try:
        yield calls
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo = saved


@dataclass
class Outcome:
    path: str
    kind: str
    status: str | None
    error_code: str | None
    error: str | None
    seconds: float
    rss_growth_mb: float  # growth of the process's peak RSS while reading this file
    exception: str | None = None  # an exception that escaped file_to_result (a bug)
    problems: list[str] = field(default_factory=list)


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MB. Linux's VmHWM starts afresh at exec, unlike ru_maxrss, which a
    child started from pytest would inherit from the (larger) parent."""
    with contextlib.suppress(OSError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_cases(cases: list[Case], settings: ReadSettings = DEFAULT_SETTINGS,
              progress: Callable[[str], None] | None = None) -> tuple[list[Outcome], list[str]]:
    """Read every case; return the outcomes and the network attempts seen."""
    from discl.pipeline import file_to_result

    outcomes: list[Outcome] = []
    calls: list[str] = []
    with no_network(calls):
        for case in cases:
            if progress:
                progress(case.path)
            # a hang in C code cannot be interrupted: dump the stacks and exit so the parent sees it
            faulthandler.dump_traceback_later(case.budget_s * 3 + 30, exit=True)
            rss0, t0 = _peak_rss_mb(), time.perf_counter()
            status = code = error = exc = None
            try:
                res = file_to_result(case.path, settings)
                status, code, error = res.report["status"], res.report["error_code"], res.report["error"]
            except BaseException as e:  # noqa: BLE001 - the harness counts every escape, whatever it is
                if isinstance(e, KeyboardInterrupt):
                    raise
                exc = "".join(traceback.format_exception(e))[-3000:]
            finally:
                faulthandler.cancel_dump_traceback_later()
            o = Outcome(case.path, case.kind, status, code, error, time.perf_counter() - t0, _peak_rss_mb() - rss0, exc)
            o.problems = judge(case, o)
            outcomes.append(o)
    return outcomes, calls


def judge(case: Case, o: Outcome) -> list[str]:
    """Everything wrong with one outcome (empty when it is as expected)."""
    problems = []
    if o.exception:
        problems.append("exception escaped file_to_result:\n" + o.exception)
        return problems
    mismatch = case.expect.check(o.status or "", o.error_code)
    if mismatch:
        problems.append(f"{mismatch} (error: {o.error})")
    if o.status == "failed" and not o.error:
        problems.append("failed without an error message")
    if o.seconds > case.budget_s:
        problems.append(f"took {o.seconds:.1f} s, budget {case.budget_s:g} s")
    return problems


def write_manifest(cases: list[Case], path: Path) -> None:
    rows = [dict(asdict(c), expect=asdict(c.expect)) for c in cases]
    # surrogate escapes (undecodable bytes in names) survive JSON as \udcxx escapes
    path.write_text(json.dumps(rows, ensure_ascii=True), encoding="utf-8")


def read_manifest(path: Path) -> list[Case]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in rows:
        e = r.pop("expect")
        out.append(Case(**r, expect=Expect(tuple(e["statuses"]), tuple(e["codes"]) if e["codes"] else None)))
    return out


def _main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "generate":
        cases = generate(Path(argv[1]), big=os.environ.get("DISCL_FUZZ") == "1")
        print(f"{len(cases)} cases in {argv[1]}")
        return 0
    if len(argv) == 3 and argv[0] == "run":
        cases = read_manifest(Path(argv[1]))
        rss_start = _peak_rss_mb()

        def progress(path: str) -> None:
            print("START", ascii(path), flush=True)  # the last START names the culprit of a crash/hang

        t0 = time.perf_counter()
        outcomes, calls = run_cases(cases, progress=progress)
        Path(argv[2]).write_text(json.dumps({
            "outcomes": [asdict(o) for o in outcomes], "network_calls": calls,
            "seconds": time.perf_counter() - t0, "rss_start_mb": rss_start, "rss_peak_mb": _peak_rss_mb(),
        }, ensure_ascii=True), encoding="utf-8")
        return 0
    print("usage: hostile.py generate DIR | hostile.py run MANIFEST OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
