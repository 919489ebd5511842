"""Draw boxes on a page image, to check visually where values were read from.

Two independent parts:

* :func:`pdf_page_image` — one PDF page as a PIL image (the raster);
* :func:`draw_boxes` — any page image (a PDF raster, or later a scanned page read by OCR) with boxes
  drawn on it: each box gets a short number, placed where it overlaps no other number, and a legend
  panel at the right lists number → label (e.g. ``requests/granted/total``).

:func:`page_to_png` joins them for ``discl show``.

>>> img = Image.new("RGB", (200, 100), "white")
>>> out, placed = draw_boxes(img, [((10, 10, 90, 40), "a/b/c"), ((10, 50, 90, 90), "a/b/d")])
>>> out.width > img.width, [p is not None for p in placed]
(True, [True, True])
"""
from __future__ import annotations

from collections.abc import Sequence

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from .errors import DocumentError
from .settings import DEFAULT_SETTINGS
from .sources.document import BBox, Table

__all__ = ["DPI", "PageOutOfRange", "pdf_page_count", "pdf_page_image", "draw_boxes", "place_labels",
           "page_to_png"]

DPI = 110  # default dots per inch; PDF points are 1/72 inch
_COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080")
_LABEL_PX = 11  # font size of the numbers on the page and of the legend lines

Rect = tuple[float, float, float, float]


class PageOutOfRange(ValueError):
    """The page asked for is not in the document."""


def pdf_page_count(path: str) -> int:
    """Pages of the PDF at ``path``; :class:`DocumentError` ``corrupt`` when it cannot be opened."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise DocumentError("corrupt", f"cannot open the PDF ({e})", path) from e
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_page_image(path: str, page: int, dpi: float = DPI) -> tuple[Image.Image, tuple[float, float]]:
    """1-based ``page`` of the PDF as an RGB image at ``dpi``, and the (left, top) origin, in PDF points,
    of the page's box coordinates on it (boxes are measured from the media box, the bitmap starts at the
    crop box). :class:`PageOutOfRange` for a page the PDF does not have, :class:`DocumentError` when the
    file is not a readable PDF."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise DocumentError("corrupt", f"cannot open the PDF to render it ({e})", path) from e
    try:
        if not 1 <= page <= len(pdf):
            raise PageOutOfRange(f"page {page} is out of range: the PDF has {len(pdf)} page(s)")
        p = pdf[page - 1]
        image = p.render(scale=dpi / 72).to_pil().convert("RGB")
        m_left, _, _, m_top = p.get_mediabox()
        c_left, _, _, c_top = p.get_cropbox()
        p.close()
        return image, (c_left - m_left, m_top - c_top)
    finally:
        pdf.close()


def is_image(path: str) -> bool:
    """True for a page image (JPEG, PNG, TIFF) by its first bytes."""
    from .sources import _IMAGE_MAGIC

    with open(path, "rb") as f:
        return f.read(8).startswith(_IMAGE_MAGIC)


def image_page_count(path: str) -> int:
    """Pages (frames) of an image file; :class:`DocumentError` when it cannot be decoded."""
    from .sources.ocr import open_image

    return len(open_image(path, DEFAULT_SETTINGS.max_image_pixels))


def image_page_image(path: str, page: int, dpi: float = DPI) -> tuple[Image.Image, float]:
    """1-based ``page`` of an image file, levelled as OCR read it, at ``dpi``, and its pixels per point.

    The boxes of values read by OCR are measured on the levelled page (deskewed, A4 wide), so they are
    drawn on that page rather than on the photo as taken.
    """
    from .sources.ocr import open_image, page_image

    frames = open_image(path, DEFAULT_SETTINGS.max_image_pixels)
    if not 1 <= page <= len(frames):
        raise PageOutOfRange(f"page {page} is out of range: the image has {len(frames)} page(s)")
    levelled = page_image(frames[page - 1])
    image = Image.fromarray(levelled.grey).convert("RGB")
    f = dpi / 72 * levelled.scale  # resize so that the drawing is at ``dpi`` like a PDF page
    image = image.resize((max(1, round(image.width * f)), max(1, round(image.height * f))))
    return image, dpi / 72


def _intersects(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(boxes: Sequence[Rect], sizes: Sequence[tuple[float, float]]) -> list[tuple[float, float] | None]:
    """Top-left corners (pixels) for a label of ``sizes[i]`` in each of ``boxes`` (pixels), or None.

    A label goes inside its box (top-left, top-right, bottom-left, bottom-right corner, first that fits)
    where it overlaps no label placed before; a box with no such room gets None (its number is then
    only in the legend, marked as not drawn). No two placed labels overlap.

    >>> place_labels([(0, 0, 30, 20), (5, 5, 35, 25), (0, 0, 4, 4)], [(10, 10)] * 3)
    [(1, 1), (24, 6), None]
    """
    placed: list[Rect] = []
    out: list[tuple[float, float] | None] = []
    for (x0, y0, x1, y1), (w, h) in zip(boxes, sizes):
        spot = None
        for x, y in ((x0 + 1, y0 + 1), (x1 - w - 1, y0 + 1), (x0 + 1, y1 - h - 1), (x1 - w - 1, y1 - h - 1)):
            rect = (x, y, x + w, y + h)
            if x < x0 or y < y0 or rect[2] > x1 or rect[3] > y1:
                continue  # does not fit inside its own box
            if any(_intersects(rect, r) for r in placed):
                continue
            spot = (x, y)
            placed.append(rect)
            break
        out.append(spot)
    return out


def draw_boxes(image: Image.Image, boxes: Sequence[tuple[BBox, str]], *, scale: float = 1.0,
               origin: tuple[float, float] = (0.0, 0.0)) -> tuple[Image.Image, list[tuple[float, float] | None]]:
    """A copy of ``image`` with ``boxes`` drawn, numbered, and a legend of the numbers at the right.

    ``boxes`` are ((x0, top, x1, bottom), label) in the page's units; a box's pixels are
    ``(x - origin_x) * scale`` (``scale=1`` and no origin for boxes already in pixels, as OCR gives).
    Returns the new image and where each number was drawn (None: no room; listed with ``*`` in the
    legend). ``image`` is not changed.
    """
    font = ImageFont.load_default(size=_LABEL_PX)
    page = image.convert("RGB")
    draw = ImageDraw.Draw(page)
    px = [tuple((v - o) * scale for v, o in zip(b, (*origin, *origin))) for b, _ in boxes]
    numbers = [str(i + 1) for i in range(len(boxes))]
    sizes = []
    for n in numbers:
        l, t, r, b = draw.textbbox((0, 0), n, font=font)
        sizes.append((r - l + 2, b - t + 2))
    spots = place_labels(px, sizes)
    for i, (rect, n, spot) in enumerate(zip(px, numbers, spots)):
        colour = _COLOURS[i % len(_COLOURS)]
        draw.rectangle(rect, outline=colour, width=2 if scale >= 1 else 1)
        if spot is not None:
            w, h = sizes[i]
            draw.rectangle((spot[0], spot[1], spot[0] + w, spot[1] + h), fill="white")
            draw.text((spot[0] + 1, spot[1]), n, fill=colour, font=font)
    return _with_legend(page, [(n, label, spot is not None) for n, (_, label), spot in zip(numbers, boxes, spots)],
                        font), spots


def _with_legend(page: Image.Image, entries: list[tuple[str, str, bool]], font: ImageFont.ImageFont
                 ) -> Image.Image:
    """``page`` with a white panel at its right listing ``n label`` in as many columns as needed."""
    if not entries:
        return page
    line_h, pad = _LABEL_PX + 4, 8
    measure = ImageDraw.Draw(page)
    lines = [f"{n}{'' if shown else '*'} {label}" for n, label, shown in entries]
    col_w = max(measure.textlength(s, font=font) for s in lines) + 2 * pad
    per_col = max(1, (page.height - 2 * pad) // line_h - 1)
    n_cols = -(-len(lines) // per_col)
    out = Image.new("RGB", (page.width + int(col_w * n_cols) + pad, page.height), "white")
    out.paste(page, (0, 0))
    draw = ImageDraw.Draw(out)
    draw.line((page.width, 0, page.width, page.height), fill="#999999")
    for i, text in enumerate(lines):
        c, r = divmod(i, per_col)
        draw.text((page.width + pad + c * col_w, pad + r * line_h), text,
                  fill=_COLOURS[i % len(_COLOURS)], font=font)
    if any(not shown for _, _, shown in entries):
        draw.text((page.width + pad, pad + per_col * line_h), "* no room on the page for this number",
                  fill="#555555", font=font)
    return out


def page_to_png(path: str, page: int, out_png: str, boxes: list[tuple[BBox, str]] | None = None,
                dpi: float = DPI) -> str:
    """Render 1-based ``page`` of the PDF (or page image) at ``path`` to ``out_png`` at ``dpi`` with
    ``boxes`` drawn.

    ``boxes`` are ((x0, top, x1, bottom) in PDF points, label) pairs, e.g. a value's cell bbox and
    "requests/granted/total". When ``boxes`` is None, every table cell the reader detects on that
    page is drawn, labelled with its row and column in the detected table. Returns ``out_png``.
    """
    if is_image(path):
        image, scale = image_page_image(path, page, dpi)
        origin = (0.0, 0.0)
    else:
        image, origin = pdf_page_image(path, page, dpi)
        scale = dpi / 72
    if boxes is None:
        boxes = _detected_cells(path, page)
    drawn, _ = draw_boxes(image, boxes, scale=scale, origin=origin)
    drawn.save(out_png)
    return out_png


def _detected_cells(path: str, page: int) -> list[tuple[BBox, str]]:
    from .sources import file_to_document
    doc = file_to_document(path)
    out: list[tuple[BBox, str]] = []
    for t, block in enumerate(b for b in doc.blocks if isinstance(b, Table)):
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                if cell.page == page and cell.bbox is not None:
                    out.append((cell.bbox, f"table {t + 1} row {r + 1} cell {c + 1}"))
    return out
