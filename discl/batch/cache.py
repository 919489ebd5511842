"""Content-hash checkpoints: one per file content, written by the worker that read it.

A checkpoint is keyed by the file's SHA-256 under a folder named by the read settings and
:data:`PARSER_VERSION` (``OUT/.discl-cache/<settings key>/``), so a change of either reads every file
again and the obsolete folders are pruned.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from dataclasses import asdict
from typing import Any

import pandas as pd
import pyarrow as pa

from ..checks import CROSS_YEAR_ROWS, CROSS_YEAR_TABLES
from ..pipeline import FileResult, frames
from ..schema import empty_frames
from ..settings import ReadSettings

#: bump when a change to reading alters results: cached results of older versions are not reused
PARSER_VERSION = "5"  # 5: checkpoints as Arrow IPC + plain JSON
CACHE_DIR = ".discl-cache"
IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


def settings_key(settings: ReadSettings) -> str:
    """The checkpoint folder's name: a hash of the read settings and :data:`PARSER_VERSION`.

    >>> from discl.settings import ReadSettings
    >>> settings_key(ReadSettings()) == settings_key(ReadSettings()) != settings_key(ReadSettings(timeout_s=1))
    True
    """
    raw = json.dumps(asdict(settings), sort_keys=True) + PARSER_VERSION
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


@functools.cache
def arrow_schemas() -> dict[str, pa.Schema]:
    """The Arrow schemas of the three tables (from :func:`discl.schema.empty_frames`): the fragments'
    and the outputs' schema.

    >>> arrow_schemas()["values"].field("value").type
    DataType(double)
    """
    return {name: pa.Schema.from_pandas(df, preserve_index=False)
            for name, df in zip(("reports", "values", "issues"), empty_frames())}


def json_default(o: Any) -> Any:
    """``json.dump``'s fallback for numpy scalars and ``pd.NA``.

    >>> import numpy as np
    >>> json.dumps({"n": np.int64(3), "x": pd.NA}, default=json_default)
    '{"n": 3, "x": null}'
    """
    if hasattr(o, "item"):
        return o.item()
    if o is pd.NA:
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def read_checkpoint(cache_dir: str, sha: str) -> dict | None:
    """The whole JSON summary of a checkpoint (with its cross-report cells and text), or None; a file
    cut by a crash is removed so that the content is read again.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     read_checkpoint(d, "0" * 64) is None
    True
    """
    p = os.path.join(cache_dir, f"{sha}.json")
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        os.remove(p)  # a checkpoint cut by a crash: the file is read again
        return None


class Cache:
    """One checkpoint per file content: ``<sha>.values.arrow``, ``<sha>.issues.arrow`` and, written
    last so that its presence means the checkpoint is whole, ``<sha>.json`` (report row, and the cells
    and narrative sections the cross-report rules need).

    Fragments are Arrow IPC files in the final schema: the parent reads thousands of them, and an IPC
    file reads in a tenth of the time of a Parquet file (no decoding, no cast).

    >>> import tempfile
    >>> from discl.settings import ReadSettings
    >>> with tempfile.TemporaryDirectory() as d:
    ...     c = Cache(d, ReadSettings())
    ...     c.get("0" * 64) is None and os.path.basename(os.path.dirname(c.dir)) == CACHE_DIR
    True
    """

    def __init__(self, out_dir: str, settings: ReadSettings):
        self.dir = os.path.join(out_dir, CACHE_DIR, settings_key(settings))
        os.makedirs(self.dir, exist_ok=True)

    def path(self, sha: str, part: str) -> str:
        return os.path.join(self.dir, f"{sha}.{part}")

    @staticmethod
    def write(cache_dir: str, sha: str, res: FileResult, summary: dict, ytext: str) -> None:
        """Checkpoint one file's result (fragments first, the JSON summary last)."""
        if res.report["status"] != "failed":
            _, values, issues = frames([res])
            for name, df in (("values", values), ("issues", issues)):
                final = os.path.join(cache_dir, f"{sha}.{name}.arrow")
                tmp = f"{final}.{os.getpid()}.tmp"
                table = pa.Table.from_pandas(df, schema=arrow_schemas()[name], preserve_index=False)
                with pa.ipc.new_file(tmp, table.schema, options=IPC_OPTIONS) as w:
                    w.write_table(table)
                os.replace(tmp, final)
        # the few cells the cross-report rules read travel in the summary, so that pass reads no fragment
        cross = [v for v in res.values if v["table"] in CROSS_YEAR_TABLES or (v["table"], v["row"]) in CROSS_YEAR_ROWS]
        final = os.path.join(cache_dir, f"{sha}.json")
        tmp = f"{final}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            # ASCII escapes keep file names that are not UTF-8 (surrogate escapes) intact through JSON
            json.dump({**summary, "ytext": ytext, "cross": cross}, f, ensure_ascii=True, default=json_default)
        os.replace(tmp, final)

    def get(self, sha: str) -> dict | None:
        """The checkpoint's summary (without the cross-report cells and text), or None if there is no
        whole checkpoint for this content."""
        d = read_checkpoint(self.dir, sha)
        if d is None:
            return None
        if d["report"]["status"] != "failed" and not all(
                os.path.exists(self.path(sha, f"{n}.arrow")) for n in ("values", "issues")):
            return None
        d.pop("ytext", None)
        d.pop("cross", None)
        return d

    def prune(self, keep: set[str]) -> None:
        """Remove the checkpoints of contents not in ``keep``, and the folders of other settings."""
        for name in os.listdir(self.dir):
            if name.split(".")[0] not in keep or name.endswith(".tmp"):
                os.remove(os.path.join(self.dir, name))
        # caches of other settings or parser versions are obsolete
        root = os.path.dirname(self.dir)
        for name in os.listdir(root):
            if os.path.join(root, name) != self.dir:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
