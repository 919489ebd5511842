"""OCR of page images: scanned PDF pages and image files to the blocks the PDF reader produces.

:func:`image_to_blocks` levels a page image, finds its ruling lines and cells, OCRs the text line by
line and hands characters and edges to the PDF reader's table builder, so a scanned page becomes the
same paragraphs and :class:`~discl.sources.pdf.grid.Grid` tables as a text-layer page, with each cell's
OCR score in ``confidence``.

The engine and OpenCV come with the ``ocr`` extra (``pip install 'discl[ocr]'``); this module imports
them only when a page is read, so :func:`available` is safe to call without them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import available

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from PIL import Image

    from .raster import PageImage

__all__ = ["available", "image_to_blocks", "looks_like_table", "open_image", "page_image", "unavailable"]


def unavailable(settings) -> str | None:
    """Why OCR cannot run under ``settings`` (a :class:`~discl.settings.ReadSettings`), or None when it can."""
    if not settings.ocr:
        return "OCR is switched off (ReadSettings.ocr)"
    if not available():
        return "OCR is not installed: pip install 'discl[ocr]'"
    return None


def image_to_blocks(page: "PageImage", number: int) -> list:
    """Paragraphs and grids of one page image (page ``number``, 1-based)."""
    from ..pdf.pages import page_blocks
    from .engine import engine
    from .page import page_to_chars_edges

    chars, edges = page_to_chars_edges(page, engine(), first_page=number == 1)
    return page_blocks(chars, edges, number)


def page_image(rgb, width_pt: float | None = None, height_pt: float | None = None) -> "PageImage":
    """A decoded page as a levelled grey page image (see :func:`.raster.page_image`)."""
    from .raster import page_image as _page_image

    return _page_image(rgb, width_pt, height_pt)


def open_image(path: str, max_pixels: int) -> list["Image.Image"]:
    """The decoded, checked frames of an image file (see :func:`.raster.open_image`)."""
    from .raster import open_image as _open_image

    return _open_image(path, max_pixels)


def looks_like_table(img: "Image.Image | np.ndarray", width_pt: float) -> bool:
    """Cheap first pass on a low-resolution page: does it hold a ruled table (two rules each way that
    meet, as the top rows of a table continued on the next page do)?"""
    import numpy as np

    from .raster import binarize
    from .rules import grid_score

    arr = np.asarray(img)
    grey = arr[:, :, 0] if arr.ndim == 3 else arr
    return grid_score(binarize(grey), width_pt / grey.shape[1]) >= 2
