"""The fetch folder: the downloaded files under readable names, and the provenance table
(``DIR/downloads.parquet`` + ``DIR/downloads.csv``, columns :data:`discl.schema.DOWNLOAD_COLUMNS`).

Every finished URL is appended at once to a journal (``DIR/.discl-fetch/journal.jsonl``, flushed and
synced), so a run killed half way loses nothing it finished: the next run reads the journal, skips what
it holds and writes the tables. Files appear under their final names only when complete.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from email.message import Message
from urllib.parse import unquote, urlsplit

import pandas as pd

from ..batch.provenance import DOWNLOADS_CSV, DOWNLOADS_FILE
from ..schema import DOWNLOAD_COLUMNS, typed
from .links import patterns, url_extension

JOURNAL_DIR = ".discl-fetch"
#: index pages are kept apart from the reports, so that ``discl ingest DIR`` does not read them as reports
INDEX_DIR = "_index"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
HTML_EXTENSIONS = (".html", ".htm", ".shtml", ".xhtml")


def utc_now() -> str:
    """The time now, UTC, ISO 8601 with ``Z`` (how ``retrieved_at`` is written in the journal)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _segment(s: str, limit: int = 120) -> str:
    """One path segment safe on every file system: no separators or control characters, not hidden
    (``discl ingest`` skips hidden files), not ``..``, at most ``limit`` bytes.

    >>> _segment("..") , _segment(".hidden"), _segment('a<b>:c')
    ('_', '_hidden', 'a_b__c')
    """
    s = _UNSAFE.sub("_", s).strip(" ")
    if s in ("", ".", ".."):
        return "_"
    if s.startswith("."):
        s = "_" + s[1:]
    b = s.encode("utf-8")
    if len(b) > limit:
        stem, ext = os.path.splitext(s)
        keep = limit - len(ext.encode("utf-8")) - 9
        s = b[:max(keep, 1)].decode("utf-8", errors="ignore") + "_" + hashlib.sha1(b).hexdigest()[:8] + ext
    return s


def _disposition_name(value: str | None) -> str | None:
    if not value:
        return None
    m = Message()
    m["content-disposition"] = value
    name = m.get_filename()
    return os.path.basename(name.replace("\\", "/")) if name else None


def extension_for(url: str, content_type: str | None, disposition: str | None = None, link_text: str = "") -> str:
    """The extension a downloaded file is saved with: the URL's when discl knows it, else that of the
    Content-Disposition file name, the Content-Type, the link text; ``.bin`` when nothing tells.

    >>> extension_for("http://a.cn/nb/2021.html", "text/html"), extension_for("http://a.cn/get?id=2", "application/pdf")
    ('.html', '.pdf')
    >>> extension_for("http://a.cn/show.jsp?id=2", "text/html; charset=gbk"), extension_for("http://a.cn/x", None, None, "年报.docx")
    ('.html', '.docx')
    """
    p = patterns()
    known = set(p["attachment_extensions"] + p["image_extensions"] + HTML_EXTENSIONS) | {".txt", ".md"}
    kind = (content_type or "").split(";")[0].strip().lower()
    by_type = p["content_types"].get(kind)
    ext = url_extension(url)
    if ext in known and not (by_type in (".html", ".xhtml") and ext not in HTML_EXTENSIONS):
        return ".htm" if ext == ".htm" else ext
    name = _disposition_name(disposition)
    if name and os.path.splitext(name)[1].lower() in known:
        return os.path.splitext(name)[1].lower()
    if by_type:
        return by_type
    ext = os.path.splitext(link_text.strip())[1].lower()
    return ext if ext in known else ".bin"


def name_for(url: str, ext: str, kind: str) -> str:
    """The file's path under DIR (POSIX): ``<host>[_<port>]/<the URL's path>``, percent-escapes read,
    the extension ``ext`` ensured, a short hash of the query when there is one; index pages under
    ``_index/``.

    >>> name_for("http://www.a.gov.cn/xxgk/nb/2021/t2022_1.html", ".html", "page")
    'www.a.gov.cn/xxgk/nb/2021/t2022_1.html'
    >>> name_for("http://127.0.0.1:8000/nb/", ".html", "index")
    '_index/127.0.0.1_8000/nb/index.html'
    >>> name_for("http://a.cn/%E5%B9%B4%E6%8A%A5.pdf", ".pdf", "attachment")
    'a.cn/年报.pdf'
    >>> name_for("http://a.cn/get?id=2", ".pdf", "attachment") == f"a.cn/get_{hashlib.sha1(b'id=2').hexdigest()[:8]}.pdf"
    True
    """
    parts = urlsplit(url)
    host = (parts.hostname or "unknown").lower()
    if parts.port:
        host += f"_{parts.port}"
    segs = [_segment(unquote(s, errors="replace")) for s in parts.path.split("/") if s]
    if not segs or parts.path.endswith("/"):
        segs.append("index")
    stem, old = os.path.splitext(segs[-1])
    if old.lower() != ext:
        stem = segs[-1]  # show.jsp → show.jsp.html: the name as served stays readable
    if parts.query:
        stem += "_" + hashlib.sha1(parts.query.encode()).hexdigest()[:8]
    segs[-1] = _segment(stem + ext)
    return "/".join(([INDEX_DIR] if kind == "index" else []) + [_segment(host)] + segs)


class Store:
    """The provenance rows by URL (the tables and the journal of an unfinished run), and the files."""

    def __init__(self, out_dir: str):
        self.dir = out_dir
        os.makedirs(os.path.join(out_dir, JOURNAL_DIR), exist_ok=True)
        self.journal_path = os.path.join(out_dir, JOURNAL_DIR, "journal.jsonl")
        self.rows: dict[str, dict] = {}
        table = os.path.join(out_dir, DOWNLOADS_FILE)
        if os.path.exists(table):
            df = pd.read_parquet(table)
            for r in df.to_dict("records"):
                self.rows[r["url"]] = {k: _plain(v) for k, v in r.items()}
        self.resumed = 0
        if os.path.exists(self.journal_path):
            with open(self.journal_path, encoding="utf-8") as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # the last line of a run killed while writing it
                    self.rows[r["url"]] = r
                    self.resumed += 1
        self.claimed = {r["path"]: u for u, r in self.rows.items() if r.get("path")}
        self.journal = open(self.journal_path, "a", encoding="utf-8")

    def get(self, url: str) -> dict | None:
        return self.rows.get(url)

    def has_file(self, row: dict | None) -> bool:
        """Whether ``row`` succeeded and its file is still there with the size recorded."""
        if not row or row.get("error") or not row.get("path"):
            return False
        p = os.path.join(self.dir, row["path"])
        return os.path.isfile(p) and (row.get("bytes") is None or os.path.getsize(p) == row["bytes"])

    def put(self, row: dict) -> None:
        """Record ``row`` (journal first: it survives a kill)."""
        row = {c: row.get(c) for c in DOWNLOAD_COLUMNS}
        self.journal.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.journal.flush()
        os.fsync(self.journal.fileno())
        self.rows[row["url"]] = row
        if row.get("path"):
            self.claimed[row["path"]] = row["url"]

    def save_file(self, url: str, body: bytes, ext: str, kind: str) -> str:
        """Write ``body`` for ``url`` (as served, byte for byte) and return its path under DIR. A name
        another URL holds gets a hash of this URL."""
        rel = name_for(url, ext, kind)
        owner = self.claimed.get(rel)
        if owner is not None and owner != url:
            stem, e = os.path.splitext(rel)
            rel = f"{stem}_{hashlib.sha1(url.encode()).hexdigest()[:8]}{e}"
        path = os.path.join(self.dir, *rel.split("/"))
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except (FileExistsError, NotADirectoryError):  # a file where the URL has a folder
            rel = "/".join(rel.split("/")[:1 + (kind == "index")] + [f"{hashlib.sha1(url.encode()).hexdigest()[:16]}{ext}"])
            path = os.path.join(self.dir, *rel.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.part-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self.claimed[rel] = url
        return rel

    def read_file(self, row: dict) -> bytes:
        with open(os.path.join(self.dir, row["path"]), "rb") as f:
            return f.read()

    def frame(self) -> pd.DataFrame:
        """The provenance table, typed (rows in the order they were first recorded)."""
        df = pd.DataFrame(list(self.rows.values()), columns=DOWNLOAD_COLUMNS)
        df["retrieved_at"] = pd.to_datetime(df["retrieved_at"], utc=True, format="ISO8601")
        return typed("downloads", df)

    def close(self) -> None:
        """Write ``downloads.parquet`` and ``downloads.csv`` (atomically), then empty the journal."""
        df = self.frame()
        table = os.path.join(self.dir, DOWNLOADS_FILE)
        df.to_parquet(table + ".tmp", index=False)
        os.replace(table + ".tmp", table)
        csv = os.path.join(self.dir, DOWNLOADS_CSV)
        out = df.copy()
        out["retrieved_at"] = out["retrieved_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.to_csv(csv + ".tmp", index=False, encoding="utf-8-sig")
        os.replace(csv + ".tmp", csv)
        self.journal.close()
        os.remove(self.journal_path)

    def abandon(self) -> None:
        """Close the journal without writing the tables (an interrupted run: the journal resumes it)."""
        self.journal.close()


def _plain(v):
    """A value of a Parquet row as the journal holds it (JSON types; timestamps as ISO text)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v
