"""Links on a fetched page, read with lxml from the saved bytes (no network): the report's attachments
inside the article, and on an index page the links whose text reads like a report title.

What counts as an attachment, an article, site chrome or a report title is data
(``discl/data/fetch.yaml``).
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html
import yaml
from lxml import etree


@dataclass(frozen=True)
class Link:
    """A link found on a page: the absolute URL (fragment dropped), its text, and for a report title
    the year it names."""

    url: str
    text: str = ""
    year: int | None = None


@functools.cache
def patterns() -> dict:
    """``discl/data/fetch.yaml`` with its regular expressions compiled."""
    data = yaml.safe_load(resources.files("discl").joinpath("data/fetch.yaml").read_text(encoding="utf-8"))
    for key in ("article", "chrome", "report_title"):
        data[key] = re.compile(data[key], re.IGNORECASE)
    for key in ("attachment_extensions", "image_extensions"):
        data[key] = tuple(e.lower() for e in data[key])
    return data


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """The page's text for link extraction: the charset of the Content-Type or the ``<meta>``
    (GB2312/GBK labels read as GB18030, their superset, as sites print GB18030 under a GB2312 label),
    else UTF-8, else GB18030. Undecodable bytes become U+FFFD: only link text is read here; the saved
    file keeps the bytes as served.

    >>> decode_page('<meta charset="gb2312"><a>年报</a>'.encode("gb18030"))
    '<meta charset="gb2312"><a>年报</a>'
    >>> decode_page("<a>年报</a>".encode("utf-8"), "text/html; charset=UTF-8")
    '<a>年报</a>'
    """
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if declared is None:
        m = _META_CHARSET.search(body[:4096])
        declared = m.group(1).decode("ascii").lower() if m else None
    if declared in _GB:
        declared = "gb18030"
    for enc in ([declared] if declared else []) + ["utf-8"]:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("gb18030", errors="replace")


def _tree(body: bytes, content_type: str | None) -> etree._Element | None:
    text = decode_page(body, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _tokens(el: etree._Element) -> list[str]:
    return (el.get("class") or "").split() + ([el.get("id")] if el.get("id") else [])


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in ("nav", "header", "footer", "aside"):
        return True
    return any(patterns()["chrome"].search(t) for t in _tokens(el))


def _in_chrome(el: etree._Element, stop: etree._Element) -> bool:
    while el is not None and el is not stop:
        if _is_chrome(el):
            return True
        el = el.getparent()
    return False


def article(root: etree._Element) -> etree._Element:
    """The element holding the article: of the elements whose class or id names a content block
    (``article:`` in fetch.yaml) and that are not site chrome, the one with the most text; else
    ``<article>``, else ``<body>``."""
    pat = patterns()["article"]
    best, best_len = None, -1
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        if (el.tag == "article" or any(pat.search(t) for t in _tokens(el))) and not _in_chrome(el, None):
            n = len(el.text_content().strip())
            if n > best_len:
                best, best_len = el, n
    if best is not None:
        return best
    body = root.find("body")
    return body if body is not None else root


def _base(root: etree._Element, url: str) -> str:
    base = root.find(".//base[@href]")
    return urljoin(url, base.get("href").strip()) if base is not None else url


def _ext(s: str) -> str:
    return os.path.splitext(s.strip().lower())[1]


def url_extension(url: str) -> str:
    """The extension of a URL's path, lower case (``''`` when it has none).

    >>> url_extension("http://a.gov.cn/files/%E5%B9%B4%E6%8A%A5.PDF?x=1"), url_extension("http://a.gov.cn/")
    ('.pdf', '')
    """
    return _ext(unquote(urlsplit(url).path))


def _absolute(href: str, base: str) -> str:
    return urldefrag(urljoin(base, href.strip()))[0]


def attachment_links(body: bytes, url: str, content_type: str | None = None) -> list[Link]:
    """The report's attachments on a report page at ``url``: links inside the article (not its chrome)
    to ``attachment_extensions`` or ``image_extensions`` by the URL or the link text
    (``<a href="download?id=3">年报.pdf</a>``), and ``<img>`` inside an article that has no ``<table>``
    (the page images of a scanned report). Every scheme is returned as found: the fetcher refuses what
    it does not fetch (``file:``, …), with a reason. In page order, each URL once.

    >>> page = (b'<div class="nav"><a href="/a.pdf">guide.pdf</a></div><div class="TRS_Editor"><p>text</p>'
    ...         b'<a href="files/r.pdf">report</a><a href="get?id=2">table.xlsx</a><img src="p1.png"></div>')
    >>> [l.url for l in attachment_links(page, "http://x.gov.cn/nb/2021.html")]
    ['http://x.gov.cn/nb/files/r.pdf', 'http://x.gov.cn/nb/get?id=2', 'http://x.gov.cn/nb/p1.png']
    """
    root = _tree(body, content_type)
    if root is None:
        return []
    p = patterns()
    wanted = p["attachment_extensions"] + p["image_extensions"]
    art = article(root)
    base = _base(root, url)
    scanned = art.find(".//table") is None
    out: dict[str, Link] = {}
    for el in art.iter("a", "img"):
        if _in_chrome(el, art):
            continue
        if el.tag == "a":
            href = el.get("href")
            if not href or href.strip().lower().startswith(("javascript:", "mailto:", "#")):
                continue
            text = " ".join(el.text_content().split())
            target = _absolute(href, base)
            if url_extension(target) in wanted or _ext(text) in wanted or _ext(el.get("title") or "") in wanted:
                out.setdefault(target, Link(target, text))
        elif scanned and el.get("src"):
            target = _absolute(el.get("src"), base)
            if url_extension(target) in p["image_extensions"]:
                out.setdefault(target, Link(target, el.get("alt") or ""))
    return list(out.values())


def report_title_year(text: str) -> int | None:
    """The year of a report title (``report_title:`` in fetch.yaml), or None when ``text`` is no
    report title.

    >>> report_title_year("淮安市人民政府2021年政府信息公开工作年度报告")
    2021
    >>> report_title_year("2022年度政府信息公开年报"), report_title_year("政府信息公开年报"), report_title_year("2021年工作要点")
    (2022, None, None)
    """
    m = patterns()["report_title"].search(" ".join(text.split()))
    return int(m.group(1)) if m else None


def report_links(body: bytes, url: str, content_type: str | None = None,
                 years: tuple[int, int] | None = None) -> list[Link]:
    """The links of an index page at ``url`` whose text (or ``title``) reads like a report title, of a
    year within ``years`` (inclusive) when given; in page order, each URL once.

    >>> page = ('<div class="nav"><a href="/nb/">政府信息公开年报</a></div><ul>'
    ...         '<li><a href="2021.html">XX区2021年政府信息公开工作年度报告</a></li>'
    ...         '<li><a href="2018.html" title="XX区2018年政府信息公开工作年度报告">XX区2018年…</a></li></ul>')
    >>> [(l.url, l.year) for l in report_links(page.encode(), "http://x.gov.cn/nb/index.html")]
    [('http://x.gov.cn/nb/2021.html', 2021), ('http://x.gov.cn/nb/2018.html', 2018)]
    >>> [l.year for l in report_links(page.encode(), "http://x.gov.cn/nb/", years=(2019, 2025))]
    [2021]
    """
    root = _tree(body, content_type)
    if root is None:
        return []
    base = _base(root, url)
    out: dict[str, Link] = {}
    for a in root.iter("a"):
        href = a.get("href")
        if not href or href.strip().lower().startswith(("javascript:", "mailto:", "#")):
            continue
        text = " ".join(a.text_content().split())
        year = report_title_year(text) or report_title_year(a.get("title") or "")
        if year is None or (years is not None and not years[0] <= year <= years[1]):
            continue
        target = _absolute(href, base)
        out.setdefault(target, Link(target, text or (a.get("title") or ""), year))
    return list(out.values())
