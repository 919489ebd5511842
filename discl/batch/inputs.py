"""What an output folder is made of: the input roots (files and folders) every run added to it.

``OUT/inputs.json`` records the roots, so that ``discl ingest real2/ --out out/`` after
``discl ingest real/ --out out/`` keeps real/'s reports and adds real2/'s: every run walks every
recorded root again (unchanged files are reused from the checkpoints), a root given again updates its
reports, a new root adds, and ``replace=True`` (``--replace``) starts over with the roots given.

The file also keeps the working directory of the run that wrote the outputs (the ``path`` column is
as the files were named then) and when the outputs last changed, which tells the derived files beside
them (``report.html``, ``comparison.xlsx``) that were made before that.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .. import sources
from ..pipeline import printable_path

#: the roots of an output folder, beside its tables
INPUTS_FILE = "inputs.json"
#: files of these kinds directly in OUT are derived from the tables (reports, workbooks, CSV exports)
DERIVED_SUFFIXES = (".html", ".xlsx", ".csv")


@dataclass
class Manifest:
    """The content of ``OUT/inputs.json``.

    ``roots`` are ``{"path": as named, "abs": absolute path}``; ``cwd`` is the working directory of the
    run that wrote the tables; ``changed_at`` the time (epoch seconds) their content last changed.
    """

    roots: list[dict[str, str]] = field(default_factory=list)
    cwd: str = ""
    changed_at: float = 0.0

    @classmethod
    def load(cls, out_dir: str) -> "Manifest | None":
        """The manifest of ``out_dir``, or None when there is none (a new folder or an older discl's)."""
        try:
            with open(os.path.join(out_dir, INPUTS_FILE), encoding="utf-8") as f:
                d = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as e:
            raise ValueError(f"{os.path.join(out_dir, INPUTS_FILE)} is unreadable ({e}); "
                             "run again with --replace and the folders to ingest") from e
        return cls(roots=[{"path": r["path"], "abs": r["abs"]} for r in d.get("roots", [])],
                   cwd=d.get("cwd", ""), changed_at=float(d.get("changed_at", 0.0)))

    def save(self, out_dir: str) -> None:
        """Write atomically (temporary file + rename)."""
        os.makedirs(out_dir, exist_ok=True)
        final = os.path.join(out_dir, INPUTS_FILE)
        tmp = f"{final}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            # ASCII escapes keep names that are not UTF-8 (surrogate escapes) intact through JSON
            json.dump({"roots": self.roots, "cwd": self.cwd, "changed_at": self.changed_at}, f,
                      ensure_ascii=True, indent=1)
        os.replace(tmp, final)


@dataclass
class Plan:
    """The roots a run walks (``walk``, as the run names them), the recorded roots that no longer exist
    (``gone``), and the roots to record (``record``)."""

    walk: list[str]
    gone: list[str]
    record: list[dict[str, str]]


def _covered(path: str, roots: dict[str, dict[str, str]]) -> bool:
    """Whether a folder above ``path`` is one of ``roots`` (absolute, normalised paths)."""
    child, parent = path, os.path.dirname(path)
    while parent != child:
        if parent in roots:
            return True
        child, parent = parent, os.path.dirname(parent)
    return False


def plan_roots(given: Iterable[str | os.PathLike], previous: Manifest | None, replace: bool = False) -> Plan:
    """The roots of this run: the previous ones (unless ``replace``) and the ones given, each once; a
    root inside another is covered by it. A given root keeps the name it is given; a recorded root the
    name it was given unless the working directory changed (then its absolute path).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     a, b = os.path.join(d, "a"), os.path.join(d, "b")
    ...     os.mkdir(a); os.mkdir(b); os.mkdir(os.path.join(a, "sub"))
    ...     first = plan_roots([a], None)
    ...     m = Manifest(roots=first.record)
    ...     again = plan_roots([b, os.path.join(a, "sub")], m)
    ...     over = plan_roots([b], m, replace=True)
    ...     os.rmdir(b)
    ...     gone = plan_roots([a], Manifest(roots=again.record))
    >>> [os.path.basename(p) for p in again.walk], [os.path.basename(p) for p in over.walk]
    (['a', 'b'], ['b'])
    >>> [os.path.basename(p) for p in gone.walk], [os.path.basename(p) for p in gone.gone]
    (['a'], ['b'])
    """
    entries: list[dict[str, str]] = []
    for p in given:
        p = os.fspath(p)
        entries.append({"path": p, "abs": os.path.abspath(p)})
    gone: list[str] = []
    if previous is not None and not replace:
        new_abs = {e["abs"] for e in entries}
        for r in previous.roots:
            if r["abs"] in new_abs:
                continue
            if not os.path.exists(r["abs"]):
                gone.append(r["path"])
                continue
            name = r["path"] if os.path.abspath(r["path"]) == r["abs"] else r["abs"]
            entries.append({"path": name, "abs": r["abs"]})
    first: dict[str, dict[str, str]] = {}
    for e in entries:
        first.setdefault(e["abs"], e)  # the same root twice: the name given now wins
    kept = [e for e in first.values() if not _covered(e["abs"], first)]  # a folder inside one recorded
    # previous roots first, in the order they were added, then the new ones
    order = {r["abs"]: i for i, r in enumerate(previous.roots if previous and not replace else [])}
    kept.sort(key=lambda e: order.get(e["abs"], len(order)))
    return Plan(walk=[e["path"] for e in kept], gone=gone, record=kept)


def path_key(path: str, cwd: str | None = None) -> str:
    """A file's identity across runs: its absolute path (from ``cwd`` when given) as the ``path``
    column prints it.

    >>> path_key("a/b.txt", "/data")
    '/data/a/b.txt'
    """
    return printable_path(os.path.normpath(os.path.join(cwd, path)) if cwd else os.path.abspath(path))


def skipped_files(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Files inside the folders named that are not read for their extension (``.xlsx``, ``.zip``, …;
    the readable ones are :data:`discl.sources.READABLE_EXTENSIONS`); hidden files and folders are not
    looked at, as :func:`discl.sources.iter_files` does.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for n in ("a.txt", "b.xlsx", ".hidden.xlsx"):
    ...         open(os.path.join(d, n), "w").close()
    ...     [os.path.basename(p) for p in skipped_files([d])]
    ['b.xlsx']
    """
    for p in paths:
        p = os.fspath(p)
        if not os.path.isdir(p):
            continue  # a file named explicitly is always read (its content decides)
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                if not f.startswith(".") and os.path.splitext(f)[1].lower() not in sources.READABLE_EXTENSIONS:
                    yield os.path.join(root, f)


def outside(files: Iterable[str], out_dir: str | os.PathLike) -> Iterator[str]:
    """``files`` without those inside ``out_dir``: an output folder inside an input folder
    (``discl ingest . --out out``) must not read its own ``report.html`` as a report.

    >>> list(outside(["a/x.txt", "a/out/report.html", "a/outside.txt"], "a/out"))
    ['a/x.txt', 'a/outside.txt']
    """
    root = os.path.abspath(out_dir)
    for f in files:
        a = os.path.abspath(f)
        if not (a == root or a.startswith(root + os.sep)):
            yield f


def readable_extensions() -> str:
    """The extensions read inside folders, for messages (from :data:`discl.sources.READABLE_EXTENSIONS`).

    >>> ".pdf" in readable_extensions() and ".wps" in readable_extensions()
    True
    """
    return " ".join(sorted(sources.READABLE_EXTENSIONS))


def stale_outputs(out_dir: str, changed_at: float) -> list[str]:
    """Derived files directly in ``out_dir`` (``report.html``, ``comparison.xlsx``, CSV exports) last
    written before the tables changed at ``changed_at``."""
    stale = []
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return []
    for name in names:
        p = os.path.join(out_dir, name)
        if name.lower().endswith(DERIVED_SUFFIXES) and os.path.isfile(p) and os.path.getmtime(p) < changed_at:
            stale.append(p)
    return stale


def now() -> float:
    """The time recorded as ``changed_at`` (a function, so that tests can move the clock)."""
    return time.time()
