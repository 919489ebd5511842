"""The per-file work, run in worker processes: read one file under a time and memory limit, run the
per-report checks next to its cells, and checkpoint the result (:mod:`discl.batch.cache`)."""
from __future__ import annotations

import resource
import signal
import time

from ..checks import narrative_sections, run_checks
from ..errors import DocumentError
from ..pipeline import FileResult, failed_result, file_to_result, frames
from ..settings import ReadSettings
from ..templates import section
from .cache import Cache

#: the sections (ids of discl.templates.section) the cross-report text rule Y-TEXT compares
YTEXT_SECTIONS = ("overview", "problems")


class Timeout(Exception):
    """Raised by the alarm when reading one file takes longer than ``ReadSettings.timeout_s``."""


def on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise Timeout()


def init_worker(memory_mb: int) -> None:
    """Process-pool initializer: cap the worker's address space at ``memory_mb`` and leave Ctrl-C to
    the parent."""
    # a pathological file must fail on its own, not take the machine: cap this worker's address space
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def read_one(path: str, settings: ReadSettings, cache_dir: str | None = None, sha: str | None = None,
             use_alarm: bool = True, checks: bool = True) -> dict:
    """Read one file; never raises (time and memory limits become errors).

    Returns the file's summary ``{"report": {...}, "checks": bool}``. With ``cache_dir`` and ``sha``,
    the cells and findings are written there as a checkpoint (see :class:`~discl.batch.cache.Cache`)
    instead of being sent back: the parent never holds them.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "empty.txt")
    ...     open(p, "w").close()
    ...     r = read_one(p, ReadSettings())["report"]
    >>> r["status"], r["error_code"]
    ('failed', 'empty_file')
    """
    t0 = time.perf_counter()
    if use_alarm:
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout_s)
    try:
        res = file_to_result(path, settings)
        if checks and res.report["status"] != "failed":
            res.issues = report_checks(res)
    except Timeout:
        res = failed_result(path, sha or "", DocumentError(
            "timeout", f"reading took longer than {settings.timeout_s:g} s (ReadSettings.timeout_s)", path), t0)
    except MemoryError:
        res = failed_result(path, sha or "", DocumentError(
            "too_large", "reading needed more memory than the per-worker limit (--memory-mb)", path), t0)
    except RecursionError:
        res = failed_result(path, sha or "", DocumentError(
            "corrupt", "the document's structure is nested too deeply to read", path), t0)
    except Exception as e:  # a bug in discl on this file: recorded with its type, the batch goes on
        res = failed_result(path, sha or "", DocumentError(
            "internal_error", f"discl failed on this file ({type(e).__name__}: {e}); please report it", path), t0)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    summary = {"report": res.report, "checks": checks}
    if cache_dir is not None and sha:
        Cache.write(cache_dir, sha, res, summary, ytext(res.text))
    return summary


def report_checks(res: FileResult) -> list[dict]:
    """Per-report rules run in the worker, next to the cells they read: the file's issue rows with
    the findings appended."""
    reports, values, issues = frames([res])
    issues = run_checks(reports, values, issues, {res.report["report_id"]: res.text}, cross=False)
    return issues.to_dict("records")


def ytext(text: str) -> str:
    """Sections 一 and 五 only (with their headings): what the cross-report text rule compares.

    >>> ytext("一、总体情况 共收到申请3件。二、主动公开政府信息情况 表 五、存在的主要问题及改进情况 不足")
    '一、总体情况共收到申请3件。五、存在的主要问题及改进情况不足'
    """
    sec = narrative_sections(text or "")
    return "".join(f"{section(k).title}{sec[k]}" for k in YTEXT_SECTIONS if k in sec)


def failed_summary(path: str, code: str, message: str) -> dict:
    """The summary :func:`read_one` would give for a file that failed with ``code``/``message``."""
    return {"report": failed_result(path, "", DocumentError(code, message, path), time.perf_counter()).report,
            "checks": False}
