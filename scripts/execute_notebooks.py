"""Regenerate the committed notebooks (``make notebooks``): pair each ``notebooks/*.py`` with its
``.ipynb`` (jupytext) and execute it on discl's sample reports, so a reader browsing the repository sees
the tables and charts. ``tests/test_analysis.py`` checks the pairs agree and that the notebooks ran.

Usage: python scripts/execute_notebooks.py [NOTEBOOK.py ...]   (default: every notebooks/*.py)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from discl.report import KERNEL_QUIET

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(py: Path, timeout: int = 600) -> Path:
    """``py``'s notebook executed on the samples (no ``DISCL_DATA``), written next to it as .ipynb."""
    nb = jupytext.read(py)
    old = py.with_suffix(".ipynb")
    if old.exists():  # keep the pairing metadata jupytext wrote
        nb.metadata = {**nbformat.read(old, as_version=4).metadata, **nb.metadata}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False, extra_arguments=KERNEL_QUIET,
                   resources={"metadata": {"path": str(py.parent)}}).execute()
    for cell in nb.cells:  # outputs only: no per-run execution metadata in the diff
        cell.metadata.pop("execution", None)
    nbformat.write(nb, old)
    return old


def main(argv: list[str]) -> int:
    os.environ.pop("DISCL_DATA", None)  # the notebooks fall back to discl's own samples
    # the kernels import this checkout's discl, whatever is installed
    os.environ["PYTHONPATH"] = os.pathsep.join([str(NOTEBOOKS.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.py"))
    for py in paths:
        print(f"executed {execute(py)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
