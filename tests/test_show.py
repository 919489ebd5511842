"""`discl show`: the detected cells, with their ids, drawn over a PDF page."""
from __future__ import annotations

import random

from typer.testing import CliRunner

from discl.cli import app
from discl.render import random_spec, render_pdf


def test_show_draws_value_boxes(tmp_path):
    pdf = render_pdf(random_spec(random.Random(5), template="gb2021"), tmp_path / "r.pdf")
    png = tmp_path / "p.png"
    res = CliRunner().invoke(app, ["show", str(pdf), "--page", "2", "--png", str(png)])
    assert res.exit_code == 0, res.output
    n = int(res.output.split()[0])
    assert n > 20, res.output  # table 三 cells on page 2
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_on_a_broken_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    res = CliRunner().invoke(app, ["show", str(bad), "--page", "1", "--png", str(tmp_path / "p.png")])
    assert res.exit_code == 1 and "Traceback" not in res.output
