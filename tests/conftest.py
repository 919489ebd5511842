"""Shared fixtures: the real-report corpus lives outside the repository, in ../shared/corpus."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("DISCL_CORPUS", REPO.parent / "shared" / "corpus"))


def corpus_dirs() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(d for d in CORPUS.iterdir() if (d / "expect.json").exists())


def corpus_report(d: Path) -> Path:
    return next(p for p in sorted(d.iterdir()) if p.name.startswith("report."))


def load_expect(d: Path) -> dict:
    return json.loads((d / "expect.json").read_text(encoding="utf-8"))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-report corpus is not available at {CORPUS} (set DISCL_CORPUS)")
    return CORPUS


@pytest.fixture(autouse=True)
def _private_tempdir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's temporary files (``tempfile``, and via ``TMPDIR`` its subprocesses: notebook kernels,
    LibreOffice) go to a folder of its own under pytest's base temp, which pytest prunes; nothing piles up
    in the system's temporary folder, and a test can see what it left behind."""
    folder = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("TMPDIR", str(folder))
    # discl's sample reports (discl.report.samples_folder) cached once per session, not in ~/.cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
