"""Collecting reports from government sites (``discl fetch``): URL lists and 年报 index pages to files,
with provenance, politely and resumably.

This is no parsing stage: it downloads bytes and records where they came from
(``DIR/downloads.parquet``); ``discl ingest DIR`` reads the files like any others and takes the URLs
from that table. Parsing never touches the network.

- :mod:`.http`: one guarded GET (http/https only, local addresses refused unless the start URL is local,
  robots.txt, a per-host rate, retries with backoff, size and time limits).
- :mod:`.links`: attachments inside a report page's article, report-title links of an index page (lxml).
- :mod:`.store`: file names and the provenance table, with a journal that survives a kill.
- :mod:`.run`: :func:`fetch`, the sources (:func:`read_sources`) and ``--years`` (:func:`parse_years`).
"""
from .http import USER_AGENT, Client, FetchSettings, Scope
from .run import FetchSummary, Target, fetch, parse_years, read_sources

__all__ = ["USER_AGENT", "Client", "FetchSettings", "FetchSummary", "Scope", "Target", "fetch", "parse_years",
           "read_sources"]
