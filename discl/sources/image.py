"""Image reader: a page photo or scan (JPEG, PNG, TIFF; a multi-page TIFF is a whole report) read by OCR.

Each frame is one page. The pixels are checked before decoding (:mod:`.ocr.raster`), then every page is
OCR'd: an image file is a report's page because someone saved it as one, so there is no cheaper text
layer to triage with.
"""
from __future__ import annotations

import os
import re

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from .document import Document

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
# a page number at the end of a file name: 报告-1.jpg, 报告_p2.png, 报告 page 3.jpg, 报告第4页.jpg
_PAGE_NO = re.compile(r"^(?P<stem>.*?)[-_ ]?(?:p|page|第)?(?P<n>\d{1,3})页?$", re.IGNORECASE)


def page_files(path: str) -> list[str] | None:
    """The files of the report ``path`` starts: itself, or with its sibling pages when a report was saved
    as one image per page (``name-1.jpg``, ``name-2.jpg`` …, numbered from 0 or 1 without gaps, same
    extension); None when ``path`` is a later page of such a report (it is read with the first).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ("r-1.jpg", "r-2.jpg", "r-10.jpg", "other.jpg"): _ = (d / n).write_bytes(b"")
    >>> names = lambda ps: [os.path.basename(p) for p in ps]
    >>> names(page_files(str(d / "r-1.jpg"))), names(page_files(str(d / "r-2.jpg")))  # 1, 2, 10: no run
    (['r-1.jpg'], ['r-2.jpg'])
    >>> (d / "r-10.jpg").unlink(); names(page_files(str(d / "r-1.jpg")))
    ['r-1.jpg', 'r-2.jpg']
    >>> page_files(str(d / "r-2.jpg")) is None, page_files(str(d / "other.jpg")) == [str(d / "other.jpg")]
    (True, True)
    """
    folder, name = os.path.split(path)
    base, ext = os.path.splitext(name)
    m = _PAGE_NO.match(base)
    if not m:
        return [path]
    try:
        siblings = os.listdir(folder or ".")
    except OSError:
        return [path]
    pages: dict[int, str] = {}
    for other in siblings:
        b, e = os.path.splitext(other)
        mo = _PAGE_NO.match(b)
        if e.lower() == ext.lower() and mo and mo.group("stem") == m.group("stem"):
            pages[int(mo.group("n"))] = os.path.join(folder, other)
    numbers = sorted(pages)
    if len(numbers) < 2 or numbers != list(range(numbers[0], numbers[0] + len(numbers))) or numbers[0] > 1:
        return [path]  # not a numbered run of pages: each image stands alone
    if int(m.group("n")) != numbers[0]:
        return None
    return [pages[n] for n in numbers]


def image_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read an image file of one or more report pages by OCR (with its sibling pages when the report was
    saved as one image per page: :func:`page_files`).

    Raises :class:`DocumentError` ``corrupt`` (undecodable or truncated), ``too_large`` (more pixels
    than ``ReadSettings.max_image_pixels``), ``too_many_pages``, ``not_a_report`` (too small to be a
    page) or ``needs_ocr`` (OCR switched off or not installed).
    """
    from . import ocr

    why = ocr.unavailable(settings)
    if why:
        raise DocumentError("needs_ocr", f"an image of a page needs OCR; {why}", path)
    frames = [f for p in (page_files(path) or [path]) for f in ocr.open_image(p, settings.max_image_pixels)]
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
