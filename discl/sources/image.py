"""Image reader: a page photo or scan (JPEG, PNG, TIFF; a multi-page TIFF is a whole report) read by OCR.

Each frame is one page. The pixels are checked before decoding (:mod:`.ocr.raster`), then every page is
OCR'd: an image file is a report's page because someone saved it as one, so there is no cheaper text
layer to triage with.
"""
from __future__ import annotations

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from .document import Document

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def image_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read an image file of one or more report pages by OCR.

    Raises :class:`DocumentError` ``corrupt`` (undecodable or truncated), ``too_large`` (more pixels
    than ``ReadSettings.max_image_pixels``), ``too_many_pages``, ``not_a_report`` (too small to be a
    page) or ``needs_ocr`` (OCR switched off or not installed).
    """
    from . import ocr

    if not settings.ocr or not ocr.available():
        why = ("OCR is switched off (ReadSettings.ocr)" if not settings.ocr
               else "OCR is not installed: pip install 'discl[ocr]'")
        raise DocumentError("needs_ocr", f"an image of a page needs OCR; {why}", path)
    frames = ocr.open_image(path, settings.max_image_pixels)
    if len(frames) > settings.max_pages:
        raise DocumentError("too_many_pages", f"the image has {len(frames)} frames (pages), more than the "
                            f"limit of {settings.max_pages} (ReadSettings.max_pages)", path)
    doc = Document(path, format="image", n_pages=len(frames))
    while frames:
        n = doc.n_pages - len(frames) + 1
        frame = frames.pop(0)  # one page in memory at a time once decoded
        doc.blocks.extend(ocr.image_to_blocks(ocr.page_image(frame), n))
        doc.ocr_pages.append(n)
    from .pdf.stitch import stitch_grids
    from .pdf.grid import Grid

    doc.blocks = [b.to_table() if isinstance(b, Grid) else b for b in stitch_grids(doc.blocks)]
    return doc
