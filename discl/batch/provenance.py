"""Where ingested files came from: ``downloads.parquet``, written by ``discl fetch`` into the folder it
downloads to, gives each of its files the URL and time it was retrieved (``reports.source_url``,
``reports.retrieved_at``) and, from a CSV of URLs with ``agency``/``year`` columns, the agency and year
that override what was read; its ``role`` column names the files that are no reports (index pages,
pages that only wrap their report as an attachment), which ingest skips. Reading it is local: ingest
never touches the network.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import pandas as pd

from ..meta import region_of
from ..regions import place
from ..schema import NOT_REPORT_ROLES

DOWNLOADS_FILE = "downloads.parquet"
DOWNLOADS_CSV = "downloads.csv"


class Provenance:
    """The downloads of every fetch folder that holds (or is inside) an input root, by the file's
    absolute path.

    >>> Provenance.for_roots([]).annotate({"path": "a.txt", "agency": "x"}, "a.txt")
    {'path': 'a.txt', 'agency': 'x', 'source_url': None, 'retrieved_at': None}
    """

    def __init__(self, by_path: dict[str, dict]):
        self.by_path = by_path

    @classmethod
    def for_roots(cls, roots: Iterable[str | os.PathLike]) -> "Provenance":
        """The provenance of the fetch folders among ``roots`` and their parent folders."""
        tables: set[str] = set()
        for root in roots:
            d = os.path.abspath(os.fspath(root))
            d = d if os.path.isdir(d) else os.path.dirname(d)
            while True:
                if os.path.isfile(os.path.join(d, DOWNLOADS_FILE)):
                    tables.add(d)
                    break
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        by_path: dict[str, dict] = {}
        for d in sorted(tables):
            df = pd.read_parquet(os.path.join(d, DOWNLOADS_FILE))
            df = df[df["path"].notna() & df["error"].isna()]
            if "role" not in df.columns:  # a folder fetched by a discl that recorded no roles
                df = df.assign(role=None)
            # index pages are known by how they were reached even without a role
            df = df.assign(role=df["role"].where(df["role"].notna(), df["kind"].map({"index": "index"})))
            for r in df.to_dict("records"):
                by_path[os.path.normpath(os.path.join(d, *str(r["path"]).split("/")))] = r
        return cls(by_path)

    def role(self, path: str) -> str | None:
        """The ``downloads.role`` of the file at ``path`` (``report``, ``attachment``, ``index``,
        ``wrapper``), None for a file discl fetch did not record."""
        row = self.by_path.get(os.path.normpath(os.path.abspath(path)))
        role = row.get("role") if row is not None else None
        return role if isinstance(role, str) else None

    def reports_only(self, files: Iterable[str], roots: Iterable[str | os.PathLike] = (),
                     skipped: list[tuple[str, str]] | None = None) -> Iterator[str]:
        """``files`` without those discl fetch recorded as index pages or as pages that only wrap their
        report (``role`` ``index``/``wrapper``): they are no reports, the attachment is. A file among
        ``roots`` (named on the command line) is always read. Each file left out is appended to
        ``skipped`` as ``(path, role)``.

        >>> p = Provenance({os.path.abspath("raw/_index/nb.html"): {"role": "index"},
        ...                 os.path.abspath("raw/nb/2023.html"): {"role": "wrapper"},
        ...                 os.path.abspath("raw/files/2023.pdf"): {"role": "attachment"}})
        >>> left = []
        >>> list(p.reports_only(["raw/_index/nb.html", "raw/nb/2023.html", "raw/files/2023.pdf", "a.txt"],
        ...                     skipped=left))
        ['raw/files/2023.pdf', 'a.txt']
        >>> left
        [('raw/_index/nb.html', 'index'), ('raw/nb/2023.html', 'wrapper')]
        >>> list(p.reports_only(["raw/nb/2023.html"], roots=["raw/nb/2023.html"]))
        ['raw/nb/2023.html']
        """
        named = {os.path.normpath(os.path.abspath(os.fspath(r))) for r in roots}
        for f in files:
            role = self.role(f) if self.by_path else None
            if role in NOT_REPORT_ROLES and os.path.normpath(os.path.abspath(f)) not in named:
                if skipped is not None:
                    skipped.append((f, role))
                continue
            yield f

    def annotate(self, report: dict, path: str) -> dict:
        """``report`` (a new dict) with ``source_url`` and ``retrieved_at`` of the file at ``path``, and
        the agency and year its downloads row gives (the agency placed again: key, region, level …)."""
        rep = dict(report)
        row = self.by_path.get(os.path.normpath(os.path.abspath(path)))
        rep["source_url"] = rep["retrieved_at"] = None
        if row is None:
            return rep
        rep["source_url"] = row.get("final_url") or row.get("url")
        when = row.get("retrieved_at")
        rep["retrieved_at"] = (pd.Timestamp(when).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
                               if when is not None and not pd.isna(when) else None)
        if rep.get("status") == "failed":
            return rep
        year = row.get("year")
        if year is not None and not pd.isna(year):
            rep["year"] = int(year)
        agency = row.get("agency")
        if isinstance(agency, str) and agency.strip() and agency.strip() != rep.get("agency"):
            where = place(agency.strip(), rep.get("title") or "")
            rep["agency"] = agency.strip()
            rep["region"] = region_of(rep["agency"])
            rep.update(where.columns())
        return rep
