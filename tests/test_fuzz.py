"""Fuzzing every reader with hypothesis: ``file_to_result`` never raises, whatever the bytes.

Inputs are good reports (rendered, and the real ones when the corpus is present) damaged by random
byte flips, insertions, deletions, truncations and duplications (:func:`hostile.mutate`); DOCX files are
also damaged *inside* the zip (``word/document.xml`` mutated, then re-zipped), so the XML walk is fuzzed
and not only the zip CRC check; HTML, text and Markdown are also generated from text strategies. Every
test runs with socket connections and name lookups patched to raise: parsing never touches the network.

Example counts are moderate by default (the module runs in well under a minute); ``DISCL_FUZZ=1``
multiplies them.
"""
from __future__ import annotations

import io
import os
import sys
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402

from discl.errors import CODES, DocumentError  # noqa: E402
from discl.pipeline import file_to_result  # noqa: E402
from discl.sources.html import html_text_to_document  # noqa: E402
from discl.sources.markdown import markdown_string_to_document  # noqa: E402
from discl.sources.text import text_string_to_document  # noqa: E402

FUZZ = os.environ.get("DISCL_FUZZ") == "1"


def examples(n: int) -> settings:
    return settings(max_examples=n * 10 if FUZZ else n, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def no_network() -> Iterator[None]:
    calls: list[str] = []
    with hostile.no_network(calls):
        yield
    assert calls == [], f"parsing tried to use the network: {calls}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@lru_cache(maxsize=1)
def _sources() -> tuple[hostile.Source, ...]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rendered = hostile.rendered_sources(Path(tmp))
    # the real reports are fuzzed too, but not the 400 KB PDFs byte by byte on every example
    return tuple(rendered + hostile.corpus_sources())


def sources(ext: str) -> list[hostile.Source]:
    return [s for s in _sources() if s.ext == ext]


def check(path: Path) -> dict:
    """Read ``path``; whatever happens, the answer is a report row with a status (never an exception)."""
    report = file_to_result(str(path)).report
    assert report["status"] in ("ok", "partial", "failed")
    if report["status"] == "failed":
        assert report["error_code"] in CODES and report["error"]
    return report


@pytest.mark.parametrize("ext,n", [(".pdf", 80), (".docx", 100), (".html", 100), (".txt", 100), (".md", 100)])
def test_mutated_files(workdir: Path, ext: str, n: int) -> None:
    pool = sources(ext)
    assert pool, f"no {ext} source"

    @examples(n)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        src = data.draw(st.sampled_from(pool), label="source")
        rng = data.draw(st.randoms(use_true_random=False), label="rng")
        damaged = src.data
        for _ in range(data.draw(st.integers(1, 3), label="n_mutations")):
            damaged = hostile.mutate(damaged, rng)
        path = workdir / f"mutated{ext}"
        path.write_bytes(damaged)
        check(path)

    run()


def _docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


@examples(150)
@given(st.data())
def test_mutated_docx_xml(workdir: Path, data: st.DataObject) -> None:
    """Damage ``word/document.xml`` and zip it again: a valid container around broken WordprocessingML."""
    src = data.draw(st.sampled_from(sources(".docx")), label="source")
    rng = data.draw(st.randoms(use_true_random=False), label="rng")
    parts = _docx_parts(src.data)
    xml = parts["word/document.xml"]
    for _ in range(data.draw(st.integers(1, 4), label="n_mutations")):
        xml = hostile.mutate(xml, rng)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, xml if name == "word/document.xml" else body)
    path = workdir / "xml-mutated.docx"
    path.write_bytes(buf.getvalue())
    check(path)


# --------------------------------------------------------------------------------------------------
# generated text


_cell_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12) | \
    st.sampled_from(["规章", "行政许可", "本年新收政府信息公开申请数量", "（一）予以公开", "总计", "0", "12", "—",
                     "1,234", "-5", "第二十条第（一）项", "结果维持", "&nbsp;", "&#0;", "<", "'\""])
_span = st.one_of(st.integers(-3, 300).map(str), st.sampled_from(["", "abc", "1e9", "99999999999999999999"]))


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    rows = draw(st.lists(st.lists(st.tuples(_cell_text, _span, _span, st.sampled_from(["td", "th"])),
                                  min_size=0, max_size=12), max_size=20))
    body = "".join(
        "<tr>" + "".join(f'<{tag} rowspan="{r}" colspan="{c}">{text}</{tag}>' for text, r, c, tag in row) + "</tr>"
        for row in rows)
    nesting = draw(st.integers(0, 40))
    noise = draw(st.text(max_size=200))
    prefix = draw(st.sampled_from(["", "<!DOCTYPE html>", '<?xml version="1.0"?>',
                                   '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>']))
    return (f"{prefix}<html><head><meta charset=\"{draw(st.sampled_from(['utf-8', 'gbk', 'bogus', 'utf-16']))}\">"
            f"</head><body><h2>二、主动公开政府信息情况</h2>{noise}" + "<table><tr><td>" * nesting
            + f"<table>{body}</table>" + "</td></tr></table>" * draw(st.integers(0, nesting)) + "</body></html>")


@examples(150)
@given(page=html_pages())
def test_generated_html(workdir: Path, page: str) -> None:
    path = workdir / "generated.html"
    path.write_text(page, encoding="utf-8", errors="surrogatepass")
    report = check(path)
    assert "root:" not in (report["error"] or "")  # no entity ever pulled /etc/passwd in


@examples(150)
@given(text=st.text(max_size=3000))
def test_generated_strings_in_every_text_reader(text: str) -> None:
    # the string-level readers raise only DocumentError, never anything else
    for read in (html_text_to_document, markdown_string_to_document, text_string_to_document):
        try:
            read(text)
        except DocumentError as e:
            assert e.code in CODES


_line = st.lists(_cell_text, max_size=30)


@examples(150)
@given(lines=st.lists(_line, max_size=40), sep=st.sampled_from(["\t", "|", " | "]),
       ext=st.sampled_from([".txt", ".md"]), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16-le", "utf-16"]))
def test_generated_tables_as_text_and_markdown(workdir: Path, lines: list[list[str]], sep: str, ext: str,
                                               encoding: str) -> None:
    text = "二、主动公开政府信息情况\n" + "\n".join(("|" if ext == ".md" else "") + sep.join(cells) for cells in lines)
    path = workdir / f"generated{ext}"
    path.write_bytes(text.encode(encoding, errors="replace"))
    check(path)


def test_the_fuzzed_sources_are_good_reports(tmp_path: Path) -> None:
    # sanity: the rendered sources the fuzzers damage are themselves read as reports
    for i, src in enumerate(s for s in _sources() if not s.label.startswith("c-")):
        path = tmp_path / f"{i}{src.ext}"
        path.write_bytes(src.data)
        assert file_to_result(str(path)).report["status"] == "ok", (src.label, src.ext)
