"""Web pages: any encoding, rowspan/colspan, Word-exported markup, the report among the site chrome."""
from __future__ import annotations

import re

from lxml import etree, html as lhtml

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from ._decode import bytes_to_text
from .document import Cell, Document, Paragraph, Table

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "header", "footer", "nav", "blockquote", "pre", "dd", "dt", "dl", "form", "center",
          "title", "tr", "caption", "main", "aside", "figure", "figcaption", "address", "hr"}
_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head",
         "select", "option", "textarea", "button"}
_WS = re.compile(r"[ \t\r\f\v\u3000\u00a0]+")
# XHTML pages (LibreOffice exports, some CMSs) open with an XML declaration, which lxml refuses in an
# already decoded string: the text is decoded by then, so the declaration's encoding is moot
_XML_DECL = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>", re.I)


def html_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read a web page.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.html")
    >>> _ = open(p, "w", encoding="utf-8").write(
    ...     "<p>标题</p><table><tr><td rowspan=2>a</td><td>1</td></tr><tr><td>2</td></tr></table>")
    >>> doc = html_to_document(p)
    >>> [type(b).__name__ for b in doc.blocks], doc.blocks[1].rows[0][0].rowspan
    (['Paragraph', 'Table'], 2)
    """
    with open(path, "rb") as f:
        data = f.read()
    text, _enc = bytes_to_text(data, path, html=True)
    return html_text_to_document(text, path)


def html_text_to_document(text: str, path: str = "<string>") -> Document:
    # No network, no entity expansion: lxml's HTML parser never fetches DTDs; be explicit anyway.
    parser = lhtml.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                              huge_tree=False, recover=True)
    try:
        root = lhtml.document_fromstring(_XML_DECL.sub("", text, count=1) or "<html></html>", parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise DocumentError("corrupt", f"the page cannot be parsed as HTML ({e})", path) from e
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    title = root.findtext(".//title")
    doc = Document(path=path, format="html", blocks=walker.blocks,
                   title=_WS.sub(" ", title).strip() or None if title else None)
    if not doc.blocks:
        raise DocumentError("not_a_report", "the page has no text", path)
    return doc


_HEADING_LEVEL = {f"h{i}": i for i in range(1, 7)}


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.buf: list[str] = []
        self.level: int | None = None  # the heading level of the text being collected

    def flush(self) -> None:
        text = _WS.sub(" ", "".join(self.buf)).strip()
        for line in text.split("\n"):
            line = line.strip()
            if line:
                self.blocks.append(Paragraph(line, level=self.level))
        self.buf = []

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.split("}")[-1].lower()  # Word markup: <o:p> etc.
        if tag in _SKIP:
            self._tail(el)
            return
        if tag == "table":
            self.flush()
            if el.find(".//table") is not None:
                # a layout table around the article: read through it
                for child in el:
                    self.walk(child)
                self.flush()
            else:
                t = _table(el)
                if t.rows:
                    self.blocks.append(t)
            self._tail(el)
            return
        if tag == "br":
            self.buf.append("\n")
            self._tail(el)
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        outer = self.level
        if tag in _HEADING_LEVEL:
            self.level = _HEADING_LEVEL[tag]
        if el.text:
            self.buf.append(el.text.replace("\n", " "))
        for child in el:
            self.walk(child)
        if block:
            self.flush()
        self.level = outer
        self._tail(el)

    def _tail(self, el: etree._Element) -> None:
        if el.tail:
            self.buf.append(el.tail.replace("\n", " "))


def _cell_text(td: etree._Element) -> str:
    parts: list[str] = []

    def rec(e: etree._Element, top: bool) -> None:
        tag = e.tag.split("}")[-1].lower() if isinstance(e.tag, str) else ""
        if tag in _SKIP:
            if e.tail and not top:
                parts.append(e.tail)
            return
        if tag in ("br", "p", "div", "li") and parts:
            parts.append("\n")
        if e.text:
            parts.append(e.text)
        for c in e:
            rec(c, False)
        if e.tail and not top:
            parts.append(e.tail)

    rec(td, True)
    text = "".join(parts).replace("\r", "")
    text = _WS.sub(" ", text)
    return "\n".join(s.strip() for s in text.split("\n") if s.strip())


def _span(td: etree._Element, name: str) -> int:
    raw = td.get(name) or "1"
    m = re.match(r"\s*(\d+)", raw)
    n = int(m.group(1)) if m else 1
    return max(1, min(n, 200))  # a hostile colspan=100000 must not blow up the grid


def _table(el: etree._Element) -> Table:
    rows: list[list[Cell]] = []
    for tr in el.iter("tr"):
        # skip rows of nested tables (not expected here: nested tables are walked through)
        cells = [Cell(_cell_text(td), rowspan=_span(td, "rowspan"), colspan=_span(td, "colspan"))
                 for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")]
        if cells:
            rows.append(cells)
    return Table(rows=rows)
