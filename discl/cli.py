"""Command line: ``discl ingest``, ``discl fetch``, ``discl check``, ``discl show``, ``discl agencies``,
``discl samples``.

Exit codes: 0 every file read, 1 some file failed (or ``check --strict`` found errors), 2 usage errors.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from .settings import ReadSettings

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "red"}


def _quiet_types(params: list) -> list:
    """Parameters without the type noise of recent typer versions in help: flags show no ``<bool>``,
    options and arguments their upper-case name instead of ``<path>`` or ``<list[Path]>``."""
    for p in params:
        kind = getattr(p, "param_type_name", "")
        if kind == "option" and p.metavar is None:
            # a flag takes no value; an option its name, as click prints it (--png PNG, not <path>)
            p.metavar = "" if getattr(p, "is_flag", False) else (p.name or "").upper()
        elif kind == "argument":
            if p.metavar is None:
                p.metavar = (p.name or "").upper()  # FOLDER, as click names arguments
            if hasattr(p, "display_type_rich"):
                p.display_type_rich = lambda ctx: None
    return params


class _Command(TyperCommand):
    """A command whose help reads like click's: ``Usage: discl ingest [OPTIONS] PATHS...`` (recent
    typer versions print ``{paths}...``), no ``<bool>`` after flags."""

    def get_params(self, ctx) -> list:
        return _quiet_types(super().get_params(ctx))

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for p in self.get_params(ctx):
            if getattr(p, "param_type_name", "") == "argument":
                name = (p.metavar or "") + ("..." if p.nargs != 1 else "")
                pieces.append(name if p.required else f"[{name}]")
        return pieces


class _Group(TyperGroup):
    """The top-level group, with the same help as :class:`_Command`."""

    def get_params(self, ctx) -> list:
        return _quiet_types(super().get_params(ctx))


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=_Group,
                  help="Read 政府信息公开工作年度报告 into tidy tables (reports / values / issues).")


def _n(n: int, word: str, plural: str | None = None) -> str:
    """``3 files``, ``1 file`` (``plural`` when it is not ``word`` + s).

    >>> _n(1, "file"), _n(0, "file"), _n(2, "agency", "agencies"), _n(1, "agency", "agencies")
    ('1 file', '0 files', '2 agencies', '1 agency')
    """
    return f"{n} {word if n == 1 else plural or word + 's'}"


#: how ingest names the files it skips by their ``downloads.role`` (one, several)
_FETCH_ROLES = {"index": ("index page", "index pages"),
                "wrapper": ("page wrapping its report's attachment", "pages wrapping their report's attachment")}


def _usage(msg: str) -> None:
    err.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(2)


@app.command(cls=_Command)
def ingest(
    paths: list[Path] = typer.Argument(..., metavar="PATHS", help="report files or folders (searched recursively)"),
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR",
                             help="folder for reports/values/issues.parquet; what it holds is kept and added to"),
    replace: bool = typer.Option(False, "--replace",
                                 help="start OUT over with PATHS only (drop the folders of earlier runs)"),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", "-w", metavar="N", help="parallel worker processes"),
    engine: str = typer.Option("local", metavar="NAME", help="local (process pool) or dask"),
    scheduler: Optional[str] = typer.Option(None, metavar="ADDRESS",
                                            help="dask scheduler address (with --engine dask)"),
    no_checks: bool = typer.Option(False, "--no-checks", help="skip the consistency checks"),
    no_cache: bool = typer.Option(False, "--no-cache", help="read every file again, ignoring earlier results"),
    timeout: float = typer.Option(ReadSettings.timeout_s, metavar="SECONDS", help="per-file time limit in seconds"),
    memory_mb: int = typer.Option(4096, "--memory-mb", metavar="MB", help="per-worker memory limit (MB)"),
    max_pages: int = typer.Option(ReadSettings.max_pages, metavar="N", help="refuse PDFs with more pages"),
    max_mb: float = typer.Option(ReadSettings.max_bytes / 1024 / 1024, metavar="MB", help="refuse larger files (MB)"),
) -> None:
    """Read every report under PATHS and write the three Parquet tables (and a dataset by year) to OUT.

    OUT keeps every folder it was given (listed in OUT/inputs.json): ingesting another folder into it
    adds that folder's reports, ingesting one again updates them, --replace starts over. Re-running reads
    only new or changed files; an interrupted run (Ctrl-C) resumes where it stopped.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from rich.markup import escape

    from .sources import iter_files
    from .batch import BatchSettings, ingest as run_batch
    from .batch.inputs import INPUTS_FILE, outside, readable_extensions, skipped_files
    from .batch.provenance import Provenance
    from .batch.run import plan_for
    from .pipeline import printable_path

    for p in paths:
        if not p.exists():
            _usage(f"{p}: no such file or folder")
    try:
        settings = ReadSettings(max_pages=max_pages, max_bytes=int(max_mb * 1024 * 1024), timeout_s=timeout)
        batch = BatchSettings(workers=workers, engine=engine, scheduler=scheduler, memory_mb=memory_mb,
                              checks=not no_checks, use_cache=not no_cache)
        _previous, plan = plan_for(paths, out, replace)
    except ValueError as e:
        _usage(str(e))
    given = {os.path.abspath(p) for p in paths}
    kept = [r["path"] for r in plan.record if r["abs"] not in given]
    if kept:
        console.print(escape(f"{out} also holds, from earlier runs: {', '.join(map(printable_path, kept))} "
                             "(read again for changes; --replace to start over with PATHS only)"))
    for g in plan.gone:
        err.print(escape(f"warning: {printable_path(g)} (ingested into {out} before) no longer exists: "
                         "its reports are removed"))
    n_files: int | None = None
    count = 0

    def run():
        nonlocal n_files, count
        fetch_pages: list[tuple[str, str]] = []
        prov = Provenance.for_roots(plan.walk)
        n_files = sum(1 for _ in prov.reports_only(outside(iter_files(plan.walk), out), plan.walk, fetch_pages))
        if fetch_pages:
            roles = Counter(role for _, role in fetch_pages)
            kinds = ", ".join(f"{n} {_FETCH_ROLES[r][n != 1]}" for r, n in sorted(roles.items()))
            console.print(escape(f"skipped {_n(len(fetch_pages), 'file')} discl fetch recorded as no report "
                                 f"({kinds}; listed in downloads.parquet)"))
        skipped = list(outside(skipped_files(plan.walk), out))
        if skipped:
            by_ext = Counter(os.path.splitext(f)[1].lower() or "(no extension)" for f in skipped)
            kinds = ", ".join(f"{n} {e}" for e, n in sorted(by_ext.items(), key=lambda kv: (-kv[1], kv[0])))
            shown = ", ".join(printable_path(f) for f in skipped[:5]) + (" …" if len(skipped) > 5 else "")
            console.print(escape(f"skipped {_n(len(skipped), 'file')} discl does not read ({kinds}): {shown}"))
        if not n_files:
            _usage(f"no readable files ({readable_extensions()}) under " + " ".join(map(str, paths)))
        width = len(str(n_files))
        progress = Progress(TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=console, transient=True, disable=not console.is_terminal)

        def show(res, reused: bool) -> None:
            nonlocal count
            count += 1
            rep = res.report
            style = _STATUS_STYLE.get(rep["status"], "white")
            what = (f"{rep.get('agency') or '?'} {rep.get('year') or '?'} {rep.get('template') or '?'} "
                    f"{_n(int(rep.get('n_values') or 0), 'value')}") if rep["status"] != "failed" else (rep.get("error") or "")
            extra = f" — {rep['error']}" if rep["status"] == "partial" and rep.get("error") else ""
            cached = " (unchanged)" if reused else ""
            # file names and messages come from documents: never read them as rich markup
            line = escape(f"{printable_path(rep['path'])}: {printable_path(what)}{extra}{cached}")
            progress.console.print(f"[{count:>{width}}/{n_files}] [{style}]{rep['status']:<7}[/{style}] {line}")
            progress.advance(task)

        with progress:
            task = progress.add_task("read", total=n_files)
            return run_batch(paths, out, settings, batch, on_result=show, replace=replace)

    try:
        summary = run()
    except KeyboardInterrupt:
        if n_files is None:
            err.print("interrupted while listing the files: nothing was read or written.")
        else:
            err.print(escape(f"interrupted: {count} of {_n(n_files, 'file')} {'was' if count == 1 else 'were'} "
                             f"done and {'is' if count == 1 else 'are'} saved in "
                             f"{out / '.discl-cache'}; the tables in {out} were not updated. "
                             "Run the same command again to resume."))
        raise typer.Exit(130)
    counts = summary.counts
    console.print(f"total: {_n(summary.files, 'file')} — {counts.get('ok', 0)} ok, {counts.get('partial', 0)} partial, "
                  f"{counts.get('failed', 0)} failed; {_n(summary.n_values, 'value')}; "
                  f"{_n(summary.n_errors, 'check error')}; "
                  f"{summary.read} read, {summary.reused} unchanged; {summary.seconds:.1f} s; written to {out}")
    console.print(f"changes to {out}: {summary.added} added, {summary.updated} updated, {summary.removed} removed "
                  f"({_n(len(summary.roots), 'input root')} in "
                  f"{out / INPUTS_FILE})")
    if summary.removed:
        more = summary.removed - len(summary.removed_examples)
        console.print(escape("removed: " + ", ".join(summary.removed_examples) + (f" and {more} more" if more > 0 else "")))
    if summary.stale:
        err.print(escape(f"warning: made from the tables before this run, now out of date: "
                         f"{', '.join(summary.stale)}. Write them again ("
                         + "; ".join(_regenerate(out, Path(f)) for f in summary.stale) + ") or delete them."))
    raise typer.Exit(1 if counts.get("failed", 0) else 0)


@app.command(cls=_Command)
def fetch(
    sources: list[str] = typer.Argument(..., metavar="SOURCE",
                                        help="URLs, or files of URLs (one per line, or a CSV with url and optional "
                                             "agency, year columns that override what is read)"),
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="folder for the files and downloads.parquet"),
    index: bool = typer.Option(False, "--index", help="SOURCE URLs are index pages: fetch the pages their report "
                                                      "titles (…年…政府信息公开工作年度报告) link to"),
    years: Optional[str] = typer.Option(None, "--years", metavar="RANGE",
                                        help="with --index: only reports of these years (2019-2025, 2021)"),
    rate: float = typer.Option(1.0, "--rate", metavar="N", help="at most N requests per second to one host"),
    timeout: float = typer.Option(30.0, "--timeout", metavar="SECONDS", help="seconds to connect and between bytes"),
    retries: int = typer.Option(3, "--retries", metavar="N", help="further attempts on 429/5xx, timeouts, lost connections"),
    backoff: float = typer.Option(1.0, "--backoff", metavar="SECONDS",
                                  help="wait before the first retry, doubled for each further one"),
    max_mb: float = typer.Option(60.0, "--max-mb", metavar="MB", help="refuse larger responses"),
    ignore_robots: bool = typer.Option(False, "--ignore-robots", help="do not read or obey robots.txt"),
    refresh: bool = typer.Option(False, "--refresh", help="ask again for what earlier runs fetched "
                                 "(If-None-Match / If-Modified-Since: unchanged files are not downloaded)"),
    user_agent: Optional[str] = typer.Option(None, "--user-agent", metavar="TEXT",
                                             help="User-Agent to send (default: discl's, naming the tool)"),
    ingest_out: Optional[Path] = typer.Option(None, "--ingest", metavar="OUT",
                                              help="then ingest the fetched reports into OUT (as discl ingest)"),
) -> None:
    """Download report pages and their attachments (PDF, DOC/DOCX/WPS, XLS(X), scanned page images) into
    DIR, with a provenance row per URL in DIR/downloads.parquet (and downloads.csv).

    Polite by default: one request per second per host, robots.txt obeyed, retries with backoff. A re-run
    skips what was fetched (index pages are asked again, conditionally), and a killed run resumes.
    Exit 0 when every URL was fetched, 1 when some failed, 2 on usage errors.
    """
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from .fetch import FetchSettings, fetch as run_fetch, parse_years, read_sources
    from .fetch.http import USER_AGENT
    from .fetch.store import JOURNAL_DIR

    try:
        span = parse_years(years)
        if span is not None and not index:
            _usage("--years filters the report links of index pages: use it with --index")
        targets = read_sources(sources)
        settings = FetchSettings(rate=rate, timeout=timeout, retries=retries, backoff=backoff,
                                 max_bytes=int(max_mb * 1024 * 1024), robots=not ignore_robots,
                                 user_agent=user_agent or USER_AGENT)
    except ValueError as e:
        _usage(str(e))
    if not targets:
        _usage("no URLs in " + " ".join(sources))
    count = 0
    progress = Progress(SpinnerColumn(), TextColumn("fetching: {task.completed} URLs done"), console=console,
                        transient=True, disable=not console.is_terminal)
    styles = {"fetched": "green", "unchanged": "cyan", "skipped": "dim", "failed": "red"}
    words = {"fetched": "fetched", "unchanged": "unchanged", "skipped": "have it", "failed": "failed"}

    def show(row: dict, outcome: str) -> None:
        nonlocal count
        count += 1
        style = styles[outcome]
        if outcome == "failed":
            what = f"{row['url']} — {row.get('error')}" + (f": {row['detail']}" if row.get("detail") else "")
        else:
            what = f"{row['url']} → {row.get('path')}"
        progress.console.print(f"[{count}] [{style}]{words[outcome]:<9}[/{style}] {escape(what)}")
        progress.advance(task)

    try:
        with progress:
            task = progress.add_task("fetch", total=None)
            summary = run_fetch(targets, out, settings, index=index, years=span, refresh=refresh, on_row=show)
    except KeyboardInterrupt:
        err.print(escape(f"interrupted: the {_n(count, 'URL')} done {'is' if count == 1 else 'are'} kept "
                         f"({out / JOURNAL_DIR}); run the same "
                         "command again to resume."))
        raise typer.Exit(130)
    reasons = ", ".join(f"{n} {r}" for r, n in summary.reasons.most_common())
    console.print(escape(f"total: {_n(count, 'URL')} — {summary.fetched} fetched, {summary.unchanged} unchanged, "
                         f"{summary.skipped} fetched before, {summary.failed} failed" + (f" ({reasons})" if reasons else "")
                         + f"; {summary.bytes / 2**20:.1f} MB in {summary.seconds:.1f} s; provenance in "
                         f"{out / 'downloads.parquet'}"))
    code = 1 if summary.failed else 0
    if ingest_out is not None:
        if not summary.reports:
            err.print("nothing to ingest: no report page or attachment was fetched")
            raise typer.Exit(1)
        files = [out / p for p in summary.reports]
        try:
            ingest(paths=files, out=ingest_out, replace=False, workers=os.cpu_count() or 1, engine="local",
                   scheduler=None, no_checks=False, no_cache=False, timeout=ReadSettings.timeout_s, memory_mb=4096,
                   max_pages=ReadSettings.max_pages, max_mb=ReadSettings.max_bytes / 1024 / 1024)
        except typer.Exit as e:
            code = max(code, e.exit_code)
    raise typer.Exit(code)


def _regenerate(out: Path, derived: Path) -> str:
    """The command that writes a derived file of an ingest output again.

    >>> _regenerate(Path("out"), Path("out/comparison.xlsx"))
    'discl export out --xlsx out/comparison.xlsx'
    """
    if derived.suffix.lower() == ".html":
        return f"discl report {out} --out {derived}"
    option = "--xlsx" if derived.suffix.lower() == ".xlsx" else "--csv"
    return f"discl export {out} {option} {derived}"


@app.command(cls=_Command)
def check(
    folder: Path = typer.Argument(..., help="an ingest output folder (with values.parquet)"),
    strict: bool = typer.Option(False, "--strict", help="exit 1 when any error is found"),
) -> None:
    """Run the consistency checks again on an ingest output, print them by report and rule."""
    import pandas as pd

    from .batch.writer import DATASET_DIR, write_dataset_table
    from .checks import values_to_issues

    if not (folder / "values.parquet").exists():
        _usage(f"{folder}: no values.parquet here (run `discl ingest ... --out {folder}` first)")
    reports = pd.read_parquet(folder / "reports.parquet")
    values = pd.read_parquet(folder / "values.parquet")
    old = pd.read_parquet(folder / "issues.parquet")
    # extraction notes and the text-based rules (N-1, Y-TEXT) need the documents: keep them as ingested
    rule = old["rule"].astype("string")
    extraction = old[rule.str.startswith("read.") | rule.isin(["N-1", "Y-TEXT"])]
    found = values_to_issues(values, reports, None)
    issues = pd.concat([extraction, found.reindex(columns=old.columns)], ignore_index=True)
    tmp = folder / "issues.parquet.tmp"
    issues.to_parquet(tmp, index=False)
    os.replace(tmp, folder / "issues.parquet")
    if (folder / DATASET_DIR).is_dir():  # the dataset says what the single file says
        write_dataset_table(folder, "issues", issues, reports)
    _print_findings(reports, issues)
    n_err = int((issues["severity"] == "error").sum())
    raise typer.Exit(1 if strict and n_err else 0)


def _print_findings(reports, issues) -> None:
    """The errors and warnings by report and rule (each distinct message once, ``×n`` when repeated),
    the files that could not be read, and a total that counts exactly what was listed."""
    from rich.markup import escape

    from .pipeline import printable_path

    names = reports.drop_duplicates("report_id").set_index("report_id")
    shown = issues[issues["severity"].isin(["error", "warning"])]
    for rid, grp in shown.groupby("report_id", sort=False):
        r = names.loc[rid] if rid in names.index else None
        title = f"{r['agency']} {r['year']} ({printable_path(r['path'])})" if r is not None else rid
        console.print(f"[bold]{escape(title)}[/bold]")
        for rule, g in grp.groupby("rule", sort=True):
            colour = "red" if (g["severity"] == "error").any() else "yellow"
            messages = g["message_en"].fillna(g["message"]).astype(str).value_counts(sort=False)
            for message, n in messages.items():
                times = f" ×{n}" if n > 1 else ""
                console.print(f"  [{colour}]{escape(str(rule))}[/]{times}: {escape(message)}")
    failed = reports[reports["status"] == "failed"]
    if len(failed):
        console.print(f"[bold]not read, so not checked ({_n(len(failed), 'file')}):[/bold]")
        for path, code, error in zip(failed["path"], failed["error_code"], failed["error"]):
            console.print(f"  [red]{escape(str(code))}[/]: {escape(printable_path(str(error or path)))}")
    n_err = int((shown["severity"] == "error").sum())
    n_warn = int((shown["severity"] == "warning").sum())
    n_listed = shown["report_id"].nunique()
    n_checked = int((reports["status"] != "failed").sum())
    console.print(f"total: {_n(n_err, 'error')}, {_n(n_warn, 'warning')} in {n_listed} of "
                  f"{_n(n_checked, 'report')} read"
                  f" ({n_checked - n_listed} without findings); {_n(len(failed), 'file')} not read")


@app.command(cls=_Command)
def show(
    report: Path = typer.Argument(..., help="a PDF report or a page image (JPEG, PNG, TIFF) read by OCR"),
    page: int = typer.Option(..., "--page", help="1-based page number"),
    png: Path = typer.Option(..., "--png", help="output PNG"),
    dpi: int = typer.Option(110, "--dpi", help="resolution of the page image (dots per inch, 30–600)"),
) -> None:
    """Draw the cells read from a PDF page or a scanned page image, numbered, with a legend of their
    table/row/col ids.

    Exit 2 on a file that is neither a PDF nor an image, a page it does not have or a bad --dpi; 1 when
    it cannot be read.
    """
    from rich.markup import escape

    from .api import read_report
    from .errors import DocumentError
    from .show import image_page_count, is_image, page_to_png, pdf_page_count

    if not report.is_file():
        _usage(f"{escape(str(report))}: no such file")
    if not 30 <= dpi <= 600:
        _usage(f"--dpi {dpi}: give a resolution from 30 to 600")
    image = is_image(str(report))
    with open(report, "rb") as fh:
        if not image and b"%PDF-" not in fh.read(1024):
            _usage(f"{escape(str(report))}: not a PDF or a page image (discl show draws the pages of PDF "
                   "reports and scans)")
    try:
        n_pages = image_page_count(str(report)) if image else pdf_page_count(str(report))
    except DocumentError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(1)
    if not 1 <= page <= n_pages:
        _usage(f"--page {page}: {escape(str(report))} has {_n(n_pages, 'page')} (1–{n_pages})")
    r = read_report(report, checks=False)
    if r.meta["status"] == "failed":
        err.print(f"[red]error:[/red] {escape(str(r.meta['error']))}")
        raise typer.Exit(1)
    v = r.values
    v = v[(v["page"] == page) & v["bbox"].notna()]
    boxes = [(tuple(float(x) for x in b.split(",")), f"{t}/{row}/{col}")
             for b, t, row, col in zip(v["bbox"], v["table"], v["row"], v["col"])]
    try:
        out = page_to_png(str(report), page, str(png), boxes or None, dpi=dpi)
    except OSError as e:
        err.print(f"[red]error:[/red] cannot write {escape(str(png))}: {escape(e.strerror or str(e))}")
        raise typer.Exit(1)
    what = "values" if boxes else "detected table cells (no value was read from this page)"
    console.print(f"{_n(len(boxes), 'cell')} drawn on page {page}: {escape(out)} — numbered; the legend at the right "
                  f"lists the {what}")


@app.command(cls=_Command)
def export(
    folder: Path = typer.Argument(..., help="an ingest output folder (with values.parquet)"),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="write the comparison workbook here"),
    csv: Optional[Path] = typer.Option(None, "--csv", help="write the long values table (with agency and year) as CSV here"),
) -> None:
    """Write the comparison workbook (and/or a CSV of the values) from an ingest output."""
    from .api import Corpus
    from .export import values_to_csv

    if not (folder / "values.parquet").exists():
        _usage(f"{folder}: no values.parquet here (run `discl ingest ... --out {folder}` first)")
    if xlsx is None and csv is None:
        _usage("say what to write: --xlsx FILE and/or --csv FILE")
    corpus = Corpus.from_parquet(str(folder))
    if xlsx is not None:
        console.print(f"workbook written to {corpus.to_excel(xlsx)}")
    if csv is not None:
        console.print(f"values written to {values_to_csv(corpus.values, csv, corpus.reports)}")


@app.command(cls=_Command)
def report(
    folder: Path = typer.Argument(..., help="an ingest output folder (or a folder of report files)"),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="the HTML file to write"),
) -> None:
    """Run the research notebook on FOLDER and write one self-contained HTML report."""
    try:
        from .report import render_research_report
    except ImportError as e:
        err.print(f"[red]discl report needs the report extra:[/red] pip install 'discl[report]' ({e})")
        raise typer.Exit(2)
    if not folder.exists():
        _usage(f"{folder}: no such folder")
    import warnings

    from rich.markup import escape

    from .report import ReportWarning

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ReportWarning)
            path = render_research_report(str(folder), str(out))
    except FileNotFoundError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(1)
    for w in caught:  # what the notebook's cells wrote to stderr: for the one running it, not in the HTML
        err.print(f"[yellow]warning:[/yellow] {escape(str(w.message))}")
    console.print(f"report written to {path}")


@app.command(cls=_Command)
def agencies(
    folder: Path = typer.Argument(..., help="an ingest output folder (with reports.parquet)"),
    mapping: Optional[Path] = typer.Option(None, "--map", help="agencies.csv (name,key,code,level) that overrides "
                                           "what was read; default: FOLDER/agencies.csv when it exists"),
    csv: Optional[Path] = typer.Option(None, "--csv", help="also write the listing as CSV here"),
    apply: bool = typer.Option(False, "--apply", help="write the mapping into FOLDER/reports.parquet"),
) -> None:
    """List the publishers found, with codes, levels and years, and flag likely duplicates."""
    import pandas as pd
    from rich.markup import escape

    from .analysis import agencies as list_agencies
    from .batch.writer import DATASET_DIR, write_dataset_table
    from .regions import apply_agency_map, read_agency_map

    if not (folder / "reports.parquet").exists():
        _usage(f"{folder}: no reports.parquet here (run `discl ingest ... --out {folder}` first)")
    reports = pd.read_parquet(folder / "reports.parquet")
    if mapping is None and (folder / "agencies.csv").exists():
        mapping = folder / "agencies.csv"
    if mapping is not None:
        if not mapping.exists():
            _usage(f"{mapping}: no such file")
        try:
            reports = apply_agency_map(reports, read_agency_map(mapping))
        except ValueError as e:
            _usage(str(e))
        if apply:
            tmp = folder / "reports.parquet.tmp"
            reports.to_parquet(tmp, index=False)
            os.replace(tmp, folder / "reports.parquet")
            if (folder / DATASET_DIR).is_dir():
                write_dataset_table(folder, "reports", reports, reports)
    elif apply:
        _usage("--apply needs a mapping (--map agencies.csv)")
    table = list_agencies(reports)
    for r in table.itertuples(index=False):
        mark = " [yellow]likely duplicate: one key, several spellings[/yellow]" if r.likely_duplicate else ""
        mark += " [red]no region (ambiguous or unknown name)[/red]" if r.unresolved else ""
        console.print(f"{escape(str(r.region_code or '------'))}  {escape(str(r.level or '?')):<10} "
                      f"{escape(r.names)}  ({escape(r.years)}; key {escape(r.agency_key)}){mark}")
    n_dup, n_unres = int(table["likely_duplicate"].sum()), int(table["unresolved"].sum())
    console.print(f"{_n(len(table), 'agency', 'agencies')}; {n_dup} with several spellings to confirm, {n_unres} without a region"
                  + (f"; mapping {mapping}" + (" written to reports.parquet" if apply else "") if mapping else ""))
    if csv is not None:
        table.to_csv(csv, index=False, encoding="utf-8-sig")
        console.print(f"listing written to {csv}")


@app.command(cls=_Command)
def samples(out: Path = typer.Argument(Path("data/raw"), help="folder to write the sample reports into"),
            remove: bool = typer.Option(False, "--remove", help="remove the samples written here earlier "
                                        "(only files unchanged since; other files stay)")) -> None:
    """Write discl's own rendered sample reports (several agencies, years and formats)."""
    from rich.markup import escape

    from .render import write_samples
    from .render.samples import remove_samples

    if remove:
        console.print(f"{_n(len(remove_samples(out)), 'sample report')} removed from {escape(str(out))}")
        return

    try:
        paths = write_samples(str(out))
    except ImportError as e:  # the sample PDFs need the optional reportlab (discl[samples])
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(1)
    console.print(f"{_n(len(paths), 'sample report')} written to {out}")


def main() -> None:  # console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
