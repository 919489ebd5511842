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


def _table3_pdf(tmp_path):
    return render_pdf(random_spec(random.Random(5), template="gb2021"), tmp_path / "r.pdf")


def _label_rects(boxes, dpi):
    """The numbers draw_boxes placed for ``boxes`` (PDF points) at ``dpi``, as pixel rectangles."""
    from PIL import Image, ImageDraw, ImageFont

    from discl.show import draw_boxes

    img = Image.new("RGB", (int(600 * dpi / 72), int(850 * dpi / 72)), "white")
    _, spots = draw_boxes(img, boxes, scale=dpi / 72)
    font, d = ImageFont.load_default(size=11), ImageDraw.Draw(img)
    rects = []
    for i, s in enumerate(spots):
        if s is not None:
            l, t, r, b = d.textbbox((0, 0), str(i + 1), font=font)
            rects.append((s[0], s[1], s[0] + r - l + 2, s[1] + b - t + 2))
    return spots, rects


def test_labels_on_table_3_do_not_overlap(tmp_path):
    """Every value cell of table 三 gets its number, inside its own box, and no two numbers overlap."""
    import discl

    pdf = _table3_pdf(tmp_path)
    v = discl.read_report(pdf, checks=False).values
    v = v[(v["page"] == 2) & v["bbox"].notna() & (v["table"] == "requests")]
    boxes = [(tuple(float(x) for x in b.split(",")), f"{t}/{r}/{c}")
             for b, t, r, c in zip(v["bbox"], v["table"], v["row"], v["col"])]
    assert len(boxes) > 50
    for dpi in (72, 110, 200):
        spots, rects = _label_rects(boxes, dpi)
        assert all(s is not None for s in spots), (dpi, spots.count(None))
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (dpi, a, b)
        for (bb, _), s in zip(boxes, spots):  # inside its own box
            x0, y0, x1, y1 = (x * dpi / 72 for x in bb)
            assert x0 <= s[0] <= x1 and y0 <= s[1] <= y1


def test_draw_boxes_takes_any_page_image_and_leaves_it_alone():
    """The drawing does not need a PDF: a scanned page (PIL image) with pixel boxes works the same."""
    from PIL import Image

    from discl.show import draw_boxes

    scan = Image.new("L", (300, 200), 255)
    before = scan.tobytes()
    out, spots = draw_boxes(scan, [((20, 20, 120, 60), "requests/granted/total"),
                                   ((130, 20, 230, 60), "requests/granted/natural_person")])
    assert scan.tobytes() == before  # the caller's image is not drawn on
    assert out.height == 200 and out.width > 300  # the page plus a legend panel
    assert spots[0] is not None and 20 <= spots[0][0] <= 120
    assert out.getpixel((20, 40)) != (255, 255, 255)  # the box outline is drawn


def test_show_dpi_sets_the_resolution(tmp_path):
    from PIL import Image

    pdf = _table3_pdf(tmp_path)
    sizes = {}
    for dpi in (72, 144):
        png = tmp_path / f"p{dpi}.png"
        res = CliRunner().invoke(app, ["show", str(pdf), "--page", "1", "--png", str(png), "--dpi", str(dpi)])
        assert res.exit_code == 0, res.output
        sizes[dpi] = Image.open(png).height  # the legend panel is as tall as the page
    assert abs(sizes[144] - 2 * sizes[72]) <= 2
    res = CliRunner().invoke(app, ["show", str(pdf), "--page", "1", "--png", str(tmp_path / "x.png"), "--dpi", "5"])
    assert res.exit_code == 2 and "--dpi" in res.output


def test_show_usage_errors_are_one_line_with_exit_2(tmp_path):
    pdf = _table3_pdf(tmp_path)
    txt = tmp_path / "r.txt"
    txt.write_text("二、主动公开政府信息情况\n", encoding="utf-8")
    for args, words in (([str(txt), "--page", "1"], "not a PDF"),
                        ([str(pdf), "--page", "99"], "has 2 page"),
                        ([str(pdf), "--page", "0"], "has 2 page"),
                        ([str(tmp_path / "none.pdf"), "--page", "1"], "no such file")):
        res = CliRunner().invoke(app, ["show", *args, "--png", str(tmp_path / "p.png")])
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and words in res.output, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1, res.output
        assert not (tmp_path / "p.png").exists()


def test_samples_remove_takes_only_the_unchanged_samples(tmp_path):
    """`make clean` runs `discl samples data/raw --remove`: a report of one's own, or an edited sample, stays."""
    raw = tmp_path / "raw"
    res = CliRunner().invoke(app, ["samples", str(raw)])
    assert res.exit_code == 0, res.output
    written = sorted(p.name for p in raw.iterdir() if not p.name.startswith("."))
    mine = raw / "我的报告.txt"
    mine.write_text("二、主动公开政府信息情况\n", encoding="utf-8")
    edited = raw / written[0]
    edited.write_bytes(edited.read_bytes() + b"\n")
    res = CliRunner().invoke(app, ["samples", str(raw), "--remove"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in raw.iterdir()) == sorted([mine.name, edited.name])
    assert res.output.startswith(f"{len(written) - 1} sample reports removed")


def test_show_draws_the_values_read_from_a_scanned_page_image(tmp_path):
    """A page photo: the boxes are drawn on the page as OCR levelled it, where the figures are."""
    import random

    import numpy as np
    import pytest
    from PIL import Image

    pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed")
    from discl.render import random_spec, render_pdf
    from discl.render.scan import ScanSettings, scan_images

    render_pdf(random_spec(random.Random(4), template="gb2021"), tmp_path / "r.pdf", embed_font=True)
    photo = scan_images(tmp_path / "r.pdf", tmp_path / "page", ScanSettings(dpi=150, angle=0.6))[-1]
    png = tmp_path / "show.png"
    res = CliRunner().invoke(app, ["show", photo, "--page", "1", "--png", str(png)])
    assert res.exit_code == 0, res.output
    assert "cells drawn on page 1" in res.output and "values" in res.output
    drawn = np.asarray(Image.open(png).convert("RGB")).astype(int)
    coloured = (np.abs(drawn[:, :, 0] - drawn[:, :, 1]) > 60) | (np.abs(drawn[:, :, 1] - drawn[:, :, 2]) > 60)
    assert coloured.sum() > 500  # boxes in colour on a grey page
    res = CliRunner().invoke(app, ["show", photo, "--page", "2", "--png", str(png)])
    assert res.exit_code == 2 and "has 1 page (1–1)" in res.output and "Traceback" not in res.output
