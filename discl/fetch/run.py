"""``discl fetch``: URLs (or index pages) → files under DIR with one provenance row each.

A report page is saved, then the attachments inside its article are downloaded beside it; an index
page is saved under ``_index/`` and each link that reads like a report title is fetched as a report
page. A re-run skips report pages and attachments fetched before (by URL; ``refresh`` asks the server
again with ``If-None-Match``/``If-Modified-Since``) and always asks again for index pages, conditionally,
since a new year's report appears there. Failures are rows with a reason; the run goes on.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..sources import READABLE_EXTENSIONS
from .http import Client, FetchSettings, Response, Scope
from .links import attachment_links, report_links
from .store import HTML_EXTENSIONS, Store, extension_for, utc_now

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://", re.ASCII)
#: ``downloads.role`` of a URL by how it was reached (a report page may turn out a ``wrapper``)
ROLE_OF_KIND = {"index": "index", "page": "report", "attachment": "attachment"}


@dataclass(frozen=True)
class Target:
    """A start URL, with the agency and year a CSV gave for it (they override what ingest reads)."""

    url: str
    agency: str | None = None
    year: int | None = None


@dataclass
class FetchSummary:
    """What :func:`fetch` did in this run (counts by outcome) and the rows it wrote or kept."""

    out_dir: str
    fetched: int = 0  # downloaded (new or changed)
    unchanged: int = 0  # the server said 304 Not Modified
    skipped: int = 0  # fetched by an earlier run, not asked again
    failed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    reasons: Counter = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)  # paths (under out_dir) of this run's report pages and attachments
    reports: list[str] = field(default_factory=list)  # of them, those ingest should read (see fetch())


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``--years``: ``2019-2025``, ``2021`` or ``2019-`` (to the current year).

    >>> parse_years("2019-2025"), parse_years("2021"), parse_years(None)
    ((2019, 2025), (2021, 2021), None)
    >>> parse_years("2025-2019")
    Traceback (most recent call last):
    ...
    ValueError: --years 2025-2019: give a year or a range like 2019-2025
    """
    if text is None:
        return None
    m = re.fullmatch(r"\s*((?:19|20)\d{2})\s*(?:[-–~]\s*((?:19|20)\d{2})?)?\s*", text)
    if m:
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else (lo if "-" not in text and "–" not in text and "~" not in text
                                                 else time.gmtime().tm_year)
        if lo <= hi:
            return lo, hi
    raise ValueError(f"--years {text}: give a year or a range like 2019-2025")


def read_sources(sources: Iterable[str]) -> list[Target]:
    """The start URLs of ``sources``: each a URL, or a file of URLs — one per line (``#`` comments), or
    a CSV with a ``url`` column and optional ``agency`` and ``year`` columns. Raises ``ValueError`` with
    the reason for a source that is neither.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
    ...     _ = f.write("url,agency,year\\nhttp://a.cn/1.html,甲区人民政府,2021\\nhttp://a.cn/2.html,,\\n")
    >>> read_sources(["http://b.cn/", f.name])
    [Target(url='http://b.cn/', agency=None, year=None), Target(url='http://a.cn/1.html', agency='甲区人民政府', year=2021), Target(url='http://a.cn/2.html', agency=None, year=None)]
    """
    out: list[Target] = []
    for src in sources:
        if _URL.match(src):
            out.append(Target(src.strip()))
            continue
        if not os.path.isfile(src):
            raise ValueError(f"{src}: neither a URL (http://…, https://…) nor a file of URLs")
        with open(src, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            continue
        header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
        if "url" in header:
            for i, rec in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
                rec = {(k or "").strip().lower(): (v or "").strip() for k, v in rec.items()}
                if not rec.get("url"):
                    continue
                year = rec.get("year") or None
                if year is not None and not re.fullmatch(r"(?:19|20)\d{2}", year):
                    raise ValueError(f"{src}, line {i}: year {year!r} is not a year")
                out.append(Target(rec["url"], rec.get("agency") or None, int(year) if year else None))
        else:
            out.extend(Target(ln.strip()) for ln in lines)
    return out


class _Run:
    def __init__(self, store: Store, client: Client, settings: FetchSettings, refresh: bool,
                 on_row: Callable[[dict, str], None] | None, summary: FetchSummary):
        self.store, self.client, self.settings, self.refresh = store, client, settings, refresh
        self.on_row, self.summary = on_row, summary
        self.done: dict[str, dict] = {}  # URL → row, this run

    def row(self, url: str, kind: str, referrer: str | None, target: Target, scope: Scope,
            link_text: str = "", revalidate: bool = False) -> dict:
        """The URL's row: kept from an earlier run, revalidated, or fetched now."""
        if url in self.done:
            return self.done[url]
        prev = self.store.get(url)
        have = self.store.has_file(prev)
        if have and not (revalidate or self.refresh):
            row = prev
            outcome = "skipped"
        else:
            headers = {}
            if have and prev.get("etag"):
                headers["If-None-Match"] = prev["etag"]
            if have and prev.get("last_modified"):
                headers["If-Modified-Since"] = prev["last_modified"]
            res = self.client.get(url, scope, headers)
            row, outcome = self._record(url, res, kind, referrer, target, link_text, prev if have else None)
        self.done[url] = row
        s = self.summary
        if outcome == "failed":
            s.failed += 1
            s.reasons[row.get("error") or "?"] += 1
        else:
            setattr(s, outcome, getattr(s, outcome) + 1)
            if kind != "index":
                s.files.append(row["path"])
        if self.on_row is not None:
            self.on_row(row, outcome)
        return row

    def _record(self, url: str, res: Response, kind: str, referrer: str | None, target: Target,
                link_text: str, prev: dict | None) -> tuple[dict, str]:
        base = {"url": url, "final_url": res.final_url, "status": res.status, "content_type": res.content_type,
                "referrer": referrer, "kind": kind, "role": ROLE_OF_KIND[kind], "agency": target.agency,
                "year": target.year if kind != "index" else None, "retrieved_at": utc_now()}
        if res.status == 304 and prev is not None:
            return prev, "unchanged"
        if res.ok and res.status is not None and 200 <= res.status < 300:
            ext = extension_for(res.final_url or url, res.content_type, res.disposition, link_text)
            try:
                path = self.store.save_file(res.final_url or url, res.body, ext, kind)
            except OSError as e:
                row = {**base, "error": "write_error", "detail": f"cannot write the file ({e.strerror or e})"}
                self.store.put(row)
                return row, "failed"
            row = {**base, "path": path, "sha256": hashlib.sha256(res.body).hexdigest(), "bytes": len(res.body),
                   "etag": res.etag, "last_modified": res.last_modified}
            self.store.put(row)
            self.summary.bytes += len(res.body)
            return row, "fetched"
        if res.ok:  # a status this fetcher does not take as content (1xx, a 304 without a copy …)
            res.error, res.detail = f"http_{res.status}", f"unexpected status {res.status}"
        row = {**base, "error": res.error, "detail": res.detail}
        if prev is not None:
            # the copy fetched before stays, with its row; this run's failure is counted and shown
            self.store.put(prev)
            return {**row, "path": prev.get("path")}, "failed"
        self.store.put(row)
        return row, "failed"

    def page(self, url: str, referrer: str | None, target: Target, scope: Scope, link_text: str = "") -> None:
        """A report page and the attachments inside its article."""
        row = self.row(url, "page", referrer, target, scope, link_text)
        if not self.store.has_file(row):
            return
        if not _is_html(row):  # the URL was the report itself (a PDF …)
            self._set_role(url, "report")
            self.summary.reports.append(row["path"])
            return
        body = self.store.read_file(row)
        readable = []
        for link in attachment_links(body, row["final_url"] or url, row.get("content_type")):
            self.row(link.url, "attachment", row["final_url"] or url, target, scope, link.text)
            a = self.store.get(link.url)  # a copy fetched before stays when asking again failed
            if self.store.has_file(a) and a.get("role") is None:  # fetched by an earlier discl
                self._set_role(link.url, "attachment")
                a = self.store.get(link.url)
            if self.store.has_file(a) and os.path.splitext(a["path"])[1].lower() in READABLE_EXTENSIONS:
                readable.append(a["path"])
        # a page that only wraps its report (an attachment discl reads, no table of its own) is no report:
        # recorded as a wrapper, so that `discl ingest DIR` skips it too
        wrapper = bool(readable) and b"<table" not in body.lower()
        self._set_role(url, "wrapper" if wrapper else "report")
        if not wrapper:
            self.summary.reports.append(row["path"])
        self.summary.reports.extend(readable)

    def _set_role(self, url: str, role: str) -> None:
        """Record ``role`` on the URL's stored row (a row of an earlier discl may have none)."""
        stored = self.store.get(url)
        if stored is not None and stored.get("role") != role:
            self.store.put({**stored, "role": role})
            if url in self.done and self.done[url].get("path") == stored.get("path"):
                self.done[url] = {**self.done[url], "role": role}

    def index(self, target: Target, years: tuple[int, int] | None) -> None:
        """An index page and every report page it links by a report title."""
        scope = Scope.for_start(target.url)
        row = self.row(target.url, "index", None, target, scope, revalidate=True)
        if not self.store.has_file(row):
            return
        self._set_role(target.url, "index")
        body = self.store.read_file(row)
        child = Target(target.url, target.agency, None)
        for link in report_links(body, row["final_url"] or target.url, row.get("content_type"), years):
            self.page(link.url, row["final_url"] or target.url, child, scope, link.text)


def _is_html(row: dict) -> bool:
    ct = (row.get("content_type") or "").lower()
    return "html" in ct or os.path.splitext(row.get("path") or "")[1].lower() in HTML_EXTENSIONS


def fetch(targets: Iterable[Target], out_dir: str | os.PathLike, settings: FetchSettings | None = None,
          index: bool = False, years: tuple[int, int] | None = None, refresh: bool = False,
          on_row: Callable[[dict, str], None] | None = None, client: Client | None = None) -> FetchSummary:
    """Fetch every target into ``out_dir`` and write ``downloads.parquet``/``downloads.csv`` there.

    ``index=True`` takes the targets as index pages (their report-title links, within ``years``, are
    fetched as report pages). ``on_row(row, outcome)`` is called per URL, ``outcome`` one of
    ``fetched``, ``unchanged``, ``skipped``, ``failed``. ``summary.reports`` lists the files to ingest:
    report pages and attachments discl reads, without the pages that only wrap an attachment.
    Interrupted (Ctrl-C, a kill), what was finished is in the journal and the next run resumes.
    """
    t0 = time.perf_counter()
    settings = settings or FetchSettings()
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    store = Store(out_dir)
    own_client = client is None
    client = client or Client(settings)
    summary = FetchSummary(out_dir)
    run = _Run(store, client, settings, refresh, on_row, summary)
    try:
        for t in targets:
            try:
                if index:
                    run.index(t, years)
                else:
                    run.page(t.url, None, t, Scope.for_start(t.url))
            except Exception as e:  # a bug in discl on this URL: recorded with its type, the run goes on
                kind = "index" if index else "page"
                row = {"url": t.url, "kind": kind, "role": ROLE_OF_KIND[kind], "retrieved_at": utc_now(),
                       "agency": t.agency, "year": t.year, "error": "internal_error",
                       "detail": f"discl failed on this URL ({type(e).__name__}: {e}); please report it"}
                store.put(row)
                summary.failed += 1
                summary.reasons["internal_error"] += 1
                if on_row is not None:
                    on_row(row, "failed")
    except BaseException:
        store.abandon()
        raise
    finally:
        if own_client:
            client.close()
    store.close()
    summary.reports = list(dict.fromkeys(summary.reports))
    summary.seconds = time.perf_counter() - t0
    return summary
