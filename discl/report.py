"""The research report: ``notebooks/research_report`` executed on a data folder, exported as one HTML file.

Also the data loading the notebooks share (:func:`resolve_data`, :func:`load_corpus`), so every
notebook accepts the same input: an ingest output folder (``reports.parquet`` …), a folder of report
files, or nothing (``$DISCL_DATA``, else discl's bundled sample reports).

The notebooks live in the repository (``notebooks/`` next to the ``discl`` package), so rendering
needs a repository checkout (``pip install -e .``); a wheel install fails with a clear message.

>>> import tempfile
>>> from discl.render import write_samples
>>> with tempfile.TemporaryDirectory() as d:
...     _ = write_samples(d)
...     len(load_corpus(d)) > 0
True
"""
from __future__ import annotations

import copy
import hashlib
import os
import re
import tempfile
import warnings
from pathlib import Path

from .api import Corpus, load

__all__ = ["NOTEBOOK_DIR", "ReportWarning", "notebook_path", "resolve_data", "load_corpus",
           "render_research_report", "samples_folder", "assert_self_contained", "take_stderr"]

#: where the notebooks are in a repository checkout (editable install)
NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
#: the ingest outputs that make a folder an ingest output folder
_PARQUETS = ("reports.parquet", "values.parquet", "issues.parquet")
#: network references an offline HTML file must not contain
_REMOTE = re.compile(r"""(?:<script[^>]*\ssrc\s*=|(?:src|href)\s*=\s*["']?(?:https?:)?//|@import\s+url\(\s*["']?https?:)""",
                     re.IGNORECASE)


def notebook_path(name: str = "research_report") -> Path:
    """``notebooks/<name>.ipynb`` of the repository checkout; FileNotFoundError saying why if absent."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(
            f"notebook {path} not found: the research report needs discl's repository checkout "
            f"(notebooks/ next to the discl package, e.g. `pip install -e .`); "
            f"if only {path.with_suffix('.py').name} exists, run `jupytext --sync {path.with_suffix('.py')}`")
    return path


def resolve_data(data_dir: str | os.PathLike | None = None) -> str:
    """The data folder a notebook should read: ``data_dir``, else ``$DISCL_DATA``, else discl's samples.

    The samples (``discl samples``) are written once to the user's cache (:func:`samples_folder`), so a
    notebook runs on a bare checkout without any data.
    """
    chosen = data_dir if data_dir not in (None, "") else os.environ.get("DISCL_DATA") or None
    if chosen is not None:
        path = Path(chosen).expanduser().resolve()
        if not path.exists():
            raise FileNotFoundError(f"data folder {path} does not exist (from "
                                    f"{'the data_dir parameter' if data_dir else 'DISCL_DATA'})")
        return str(path)
    return str(samples_folder())


def samples_folder() -> Path:
    """discl's sample reports, written once per version of the sample renderer and then reused.

    They live in the user's cache (``$XDG_CACHE_HOME/discl``, else ``~/.cache/discl``) under a name
    keyed by the renderer's code and data, so repeated notebook runs leave no temporary folders behind
    (a notebook kernel is stopped without running exit handlers, so a temporary folder would stay).
    The folder is written next to its final place and renamed, so a concurrent run never sees half.
    """
    from . import render
    from .render import write_samples

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "discl"
    parts = sorted(Path(render.__file__).parent.glob("*.py")) + sorted((Path(__file__).parent / "data").glob("*"))
    key = hashlib.sha256(b"".join(p.read_bytes() for p in parts if p.is_file())).hexdigest()[:12]
    folder = base / f"samples-{key}"
    if folder.is_dir():
        return folder
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".samples-", dir=base) as tmp:
        write_samples(os.path.join(tmp, "reports"))
        try:
            os.rename(os.path.join(tmp, "reports"), folder)
        except OSError:
            if not folder.is_dir():  # not a concurrent run that finished first: a real failure
                raise
    return folder


def load_corpus(path: str | os.PathLike) -> Corpus:
    """An ingest output folder (the three parquet files) or a folder/file of reports as a :class:`Corpus`."""
    p = Path(path)
    if p.is_dir() and all((p / n).is_file() for n in _PARQUETS):
        return Corpus.from_parquet(str(p))
    if p.is_dir() and any((p / n).exists() for n in _PARQUETS):
        missing = [n for n in _PARQUETS if not (p / n).is_file()]
        raise FileNotFoundError(f"{p} looks like an ingest output but lacks {', '.join(missing)}; "
                                "run `discl ingest` again")
    return load(str(p))


def assert_self_contained(html: str) -> None:
    """Raise ValueError when ``html`` would fetch anything from the network (scripts, images, CSS).

    >>> assert_self_contained('<img src="data:image/png;base64,AAAA">')
    >>> assert_self_contained('<script src="https://x/require.js"></script>')
    Traceback (most recent call last):
    ...
    ValueError: the HTML references the network: <script src=
    """
    m = _REMOTE.search(html)
    if m:
        raise ValueError(f"the HTML references the network: {m.group(0)}")


# A lab template without the parts that load JavaScript from a CDN (require.js, MathJax, Mermaid,
# widgets): the report has static outputs only, and must open offline. PNG outputs are always inline
# (data URI) and carry the alt text the notebook gave them (the chart's title).
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ ((output | get_metadata('alt', 'image/png')) or '图表 chart') | escape_html }}">
</div>
{%- endblock data_png %}
"""


_IMG = re.compile(r"<img\b([^>]*)>")
_SRC = re.compile(r'\s+src\s*=\s*"[^"]*"')


def _src_first(html: str) -> str:
    """Put ``src`` first in every ``<img>`` tag.

    nbconvert re-serialises the page with BeautifulSoup, which sorts attributes (``alt`` before
    ``src``); with ``src`` first, ``<img src="data:image/png;base64`` finds every embedded chart.

    >>> _src_first('<img alt="图" src="data:image/png;base64,AA" width=3>')
    '<img src="data:image/png;base64,AA" alt="图" width=3>'
    """
    def fix(m: re.Match) -> str:
        attrs = m.group(1)
        src = _SRC.search(attrs)
        if not src:
            return m.group(0)
        rest = attrs[:src.start()] + attrs[src.end():]
        return f"<img {src.group(0).strip()}{rest}>"

    return _IMG.sub(fix, html)


def _inject_parameters(nb, params: dict) -> None:
    """Papermill's convention: a cell tagged ``injected-parameters`` after the ``parameters`` cell."""
    import nbformat

    src = "\n".join(f"{k} = {v!r}" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    idx = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
               None)
    if idx is None:
        raise ValueError("the notebook has no cell tagged 'parameters' to put the data folder after")
    nb.cells.insert(idx + 1, cell)


class ReportWarning(UserWarning):
    """Something a cell of the research report wrote to stderr (a Python warning, a log line)."""


def take_stderr(nb) -> list[str]:
    """Remove every stderr output (Python warnings, log lines) from the executed notebook ``nb``, in place,
    and return their texts: they are for the person running the report, not for its readers.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
    ...     nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: x"),
    ...     nbformat.v4.new_output("stream", name="stdout", text="42")])])
    >>> take_stderr(nb), [o["name"] for o in nb.cells[0].outputs]
    (['FutureWarning: x'], ['stdout'])
    """
    texts: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                texts.append("".join(out.get("text", "")).strip())
            else:
                kept.append(out)
        cell["outputs"] = kept
    return [t for t in texts if t]


#: the kernel's own log (ipykernel warns on stderr that its local TCP connection is not encrypted): only
#: errors; what the cells write to stderr is still captured in their outputs
KERNEL_QUIET = ["--IPKernelApp.log_level=ERROR"]


def render_research_report(data_dir: str, out_html: str, *, timeout: int = 600,
                           kernel_name: str = "python3") -> str:
    """Execute ``notebooks/research_report.ipynb`` on ``data_dir`` and write one self-contained HTML.

    ``data_dir`` is an ingest output folder (or a folder of report files). The HTML has no code cells,
    images embedded as base64 PNG and no script, style or image fetched from the network; it is written
    atomically (a temporary file in the same folder, then renamed). Returns the path written.
    A failing cell raises :class:`nbclient.exceptions.CellExecutionError` naming the cell. What cells
    write to stderr (warnings) is left out of the HTML and re-issued here as :class:`ReportWarning`.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    data = Path(data_dir).expanduser().resolve()
    if not data.exists():
        raise FileNotFoundError(f"data folder {data} does not exist")
    source = notebook_path("research_report")
    nb = nbformat.read(source, as_version=4)
    nb = copy.deepcopy(nb)
    _inject_parameters(nb, {"data_dir": str(data)})
    NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, extra_arguments=KERNEL_QUIET,
                   resources={"metadata": {"path": str(source.parent)}}).execute()
    for text in take_stderr(nb):
        warnings.warn(f"research report: {text}", ReportWarning, stacklevel=2)

    exporter = HTMLExporter(extra_loaders=[DictLoader({"discl_offline.html.j2": _OFFLINE_TEMPLATE})],
                            template_file="discl_offline.html.j2")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True  # markdown images too, not only outputs
    nb.metadata["title"] = nb.metadata.get("title", "政府信息公开工作年度报告 研究报告")
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "research_report"}})
    html = _src_first(html)
    assert_self_contained(html)

    out = Path(out_html).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        # mkstemp creates the file private (0600); give it the mode a plain open() would have
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        # never leave a half-written temporary file behind; the error itself propagates
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(out)
