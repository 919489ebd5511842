"""One bad file never costs the batch: a few hundred hostile inputs (tests/hostile.py) and a few good
reports read in one batch, in a child process, with the network cut off.

Asserted for every input: no exception escapes ``file_to_result``; a failure carries a specific error code;
the outcome is the expected one (e.g. ``encrypted`` for a password-protected PDF, ``ok`` for a good report
under a misleading name); the file is read within its wall-clock budget; the batch's peak RSS stays
bounded; no socket is ever opened. ``DISCL_FUZZ=1`` adds the slow variants (more bit-flip seeds, legacy
.doc files through LibreOffice). The regression tests at the end pin the reader bugs this suite found.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402

from discl.pipeline import file_to_result  # noqa: E402
from discl.render import random_spec, render_html, render_markdown, render_text  # noqa: E402
from discl.sources import file_to_document  # noqa: E402
from discl.errors import DocumentError  # noqa: E402

BIG = os.environ.get("DISCL_FUZZ") == "1"
# mutations of the real reports add ~120 inputs when ../shared/corpus is present; without it the
# rendered reports alone are mutated (the suite still runs, on fewer inputs)
MIN_BAD_INPUTS = 200 if hostile.CORPUS.is_dir() else 150
MAX_RSS_GROWTH_MB = 1500


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    t0 = time.perf_counter()
    cases = hostile.generate(root / "in", big=BIG)
    gen_s = time.perf_counter() - t0
    manifest, out = root / "manifest.json", root / "out.json"
    hostile.write_manifest(cases, manifest)
    limit = sum(c.budget_s for c in cases) + 120
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(hostile.__file__)), "run", str(manifest), str(out)],
                          capture_output=True, timeout=limit, cwd=Path(__file__).resolve().parents[1])
    run_s = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        started = [ln for ln in proc.stdout.decode(errors="replace").splitlines() if ln.startswith("START")]
        pytest.fail(f"the batch process died (exit {proc.returncode}) while reading "
                    f"{started[-1] if started else '?'}:\n{proc.stderr.decode(errors='replace')[-4000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result.update(cases=cases, generate_s=gen_s, wall_s=run_s)
    outs = result["outcomes"]
    # the figures quoted in the README (visible with pytest -s)
    print(f"\nhostile batch: {sum(not c.good for c in cases)} bad + {sum(c.good for c in cases)} good inputs, "
          f"{sum(1 for o in outs if o['exception'])} exceptions, generation {gen_s:.1f} s, reading "
          f"{result['seconds']:.1f} s (slowest {max(o['seconds'] for o in outs):.1f} s), peak RSS "
          f"{result['rss_start_mb']:.0f} -> {result['rss_peak_mb']:.0f} MB")
    return result


def test_enough_distinct_hostile_inputs(batch: dict) -> None:
    bad = [c for c in batch["cases"] if not c.good]
    assert len(bad) >= MIN_BAD_INPUTS
    digests = set()
    for c in bad:
        p = Path(c.path)
        if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK) and p.stat().st_size < 50_000_000:
            digests.add(hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            digests.add(c.path)  # directories, links, devices, huge files: distinct by construction
    assert len(digests) >= MIN_BAD_INPUTS
    kinds = {c.kind for c in bad}
    assert {"truncated", "bit_flipped", "encrypted", "empty", "wrong_extension", "error_page", "zip_bomb",
            "xxe", "billion_laughs", "nested_tables", "absurd_spans", "many_pages", "too_large", "odd_name",
            "filesystem", "nul_bytes", "utf16", "wide_table"} <= kinds


def test_no_exception_escapes(batch: dict) -> None:
    escaped = [(o["path"], o["exception"]) for o in batch["outcomes"] if o["exception"]]
    assert not escaped, "\n\n".join(f"{p!r}:\n{e}" for p, e in escaped)


def test_every_input_gets_its_expected_outcome_in_time(batch: dict) -> None:
    problems = [f"{o['path']!r} ({o['kind']}): {'; '.join(o['problems'])}" for o in batch["outcomes"]
                if o["problems"]]
    assert not problems, "\n".join(problems)


def test_bad_files_fail_with_a_specific_code_and_good_files_are_ok(batch: dict) -> None:
    by_path = {o["path"]: o for o in batch["outcomes"]}
    assert len(by_path) == len(batch["cases"])
    for c in batch["cases"]:
        o = by_path[c.path]
        if c.good:
            assert o["status"] == "ok", (c.path, o["error"])
        if o["status"] == "failed":
            assert o["error_code"] is not None and o["error"], c.path
    # every kind of damage that cannot leave a readable report is refused, not read as a report
    must_fail = [c for c in batch["cases"] if c.expect.statuses == ("failed",)]
    assert len(must_fail) >= 100


def test_memory_and_network(batch: dict) -> None:
    assert batch["network_calls"] == []
    assert batch["rss_peak_mb"] - batch["rss_start_mb"] < MAX_RSS_GROWTH_MB


# --------------------------------------------------------------------------------------------------
# regressions: one test per reader bug found by the hostile batch


def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    # file_to_result hashed the file before any check: a FIFO blocked on open, /dev/zero never ended
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.pdf"
    zero.symlink_to("/dev/zero")
    for p in (fifo, zero):
        r = file_to_result(str(p)).report
        assert (r["status"], r["error_code"]) == ("failed", "not_found")
        assert "not a regular file" in r["error"]


def test_huge_sparse_file_is_refused_before_hashing(tmp_path: Path) -> None:
    p = tmp_path / "huge.pdf"
    with open(p, "wb") as f:
        f.truncate(50 * 1024 ** 3)  # 50 GB of holes: hashing it first took minutes
    t0 = time.perf_counter()
    r = file_to_result(str(p)).report
    assert (r["status"], r["error_code"]) == ("failed", "too_large")
    assert time.perf_counter() - t0 < 1


def test_failure_with_an_undecodable_file_name(tmp_path: Path) -> None:
    # the failed-row id was hashed from path.encode(), which rejects surrogate-escaped (non-UTF-8) names
    raw = os.fsencode(tmp_path) + b"/missing-\xff\xfe.pdf"
    try:
        os.symlink(b"nowhere", raw)
    except OSError:
        pytest.skip("the filesystem refuses non-UTF-8 names")
    r = file_to_result(os.fsdecode(raw)).report
    assert (r["status"], r["error_code"]) == ("failed", "not_found") and len(r["report_id"]) == 16


def test_stale_pdfium_error_does_not_make_a_broken_pdf_encrypted(tmp_path: Path) -> None:
    # PDFium keeps its last error on some load failures: an empty page tree read after an encrypted PDF
    # was reported as "encrypted"
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    locked = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(locked), encrypt=StandardEncryption("pw", "owner"))
    c.drawString(72, 720, "x")
    c.save()
    empty = tmp_path / "no-pages.pdf"
    empty.write_bytes(hostile.pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                                         b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    assert file_to_result(str(locked)).report["error_code"] == "encrypted"
    assert file_to_result(str(empty)).report["error_code"] == "corrupt"


def test_markdown_separator_check_is_linear(tmp_path: Path) -> None:
    p = tmp_path / "redos.md"
    p.write_text(("|" + "-" * 20_000 + ":" + " " * 20_000 + "x\n") * 3, encoding="utf-8")
    t0 = time.perf_counter()
    r = file_to_result(str(p)).report
    assert r["error_code"] == "not_a_report"
    assert time.perf_counter() - t0 < 2  # was ~30 s per line (quadratic backtracking)


def test_huge_tables_do_not_stall_recognition(tmp_path: Path) -> None:
    # ~0.2 ms per cell: a page with a few 200,000-cell tables took minutes before the cell limits
    table = "<table><tr>" + "<td>1</td>" * 150_000 + "</tr></table>"
    spec = random_spec(random.Random(1), template="gb2021")
    page = render_html(spec).replace("<body>", "<body>" + table * 3)
    p = tmp_path / "big-tables.html"
    p.write_text(page, encoding="utf-8")
    t0 = time.perf_counter()
    r = file_to_result(str(p)).report
    assert r["status"] == "ok"  # the report after the chrome tables is still found
    assert time.perf_counter() - t0 < 15


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_bom_is_read(tmp_path: Path, enc: str) -> None:
    spec = random_spec(random.Random(2), template="gb2021")
    for name, text in (("r.txt", render_text(spec)), ("r.md", render_markdown(spec))):
        p = tmp_path / name
        p.write_bytes(text.encode(enc))  # was refused as binary data ("corrupt")
        assert file_to_result(str(p)).report["status"] == "ok"


def test_one_bad_byte_does_not_lose_a_utf8_page(tmp_path: Path) -> None:
    spec = random_spec(random.Random(3), template="gb2021")
    data = render_html(spec).encode("utf-8")
    i = data.index("主动公开".encode("utf-8"))
    p = tmp_path / "r.html"
    p.write_bytes(data[:i] + b"\xe4\xb8" + data[i:])  # a truncated character: was "not text in any encoding"
    assert file_to_result(str(p)).report["status"] == "ok"


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "locked.txt"
    p.write_text(render_text(random_spec(random.Random(4))), encoding="utf-8")
    p.chmod(0)
    r = file_to_result(str(p)).report
    if os.access(p, os.R_OK):  # root reads it anyway
        assert r["status"] == "ok"
    else:
        assert (r["status"], r["error_code"]) == ("failed", "not_found")
    p.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_document_error_for_directory(tmp_path: Path) -> None:
    d = tmp_path / "dir.pdf"
    d.mkdir()
    with pytest.raises(DocumentError) as e:
        file_to_document(str(d))
    assert e.value.code == "not_found"


def test_zip_with_undecodable_member_name(tmp_path: Path) -> None:
    # the format sniffer let zipfile's UnicodeDecodeError escape (a bit flip in a DOCX's directory)
    data = hostile.docx_bytes(hostile.w_document(hostile.w_p("x")))
    name = b"[Content_Types].xml"
    # set the "name is UTF-8" flag (bit 11) in every header and make the name invalid UTF-8
    data = data.replace(b"\x14\x00\x00\x00", b"\x14\x00\x00\x08").replace(name, b"[Content_\xeb\xd1pes].xml")  # same length
    for ext in (".docx", ".pdf", ".zip"):
        p = tmp_path / f"bad-name{ext}"
        p.write_bytes(data)
        r = file_to_result(str(p)).report
        assert r["status"] == "failed" and r["error_code"] in ("corrupt", "unsupported_format"), r


def test_docx_zip_bomb_is_refused_quickly(tmp_path: Path) -> None:
    p = tmp_path / "bomb.docx"
    p.write_bytes(hostile.docx_bytes(hostile.w_document(hostile.w_p("x") + " " * 50_000_000)))
    assert zipfile.is_zipfile(p)
    assert file_to_result(str(p)).report["error_code"] == "unsafe_content"
