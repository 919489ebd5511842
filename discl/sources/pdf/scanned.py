"""Image-only pages of a PDF (a scan): rendered one at a time and read by OCR.

Only pages without a text layer are OCR'd, so a text-layer PDF never pays for OCR. Of those, a cheap
first pass (a 100 dpi render, ruling lines counted) keeps the pages that hold a ruled table, plus the
first page of a wholly scanned PDF, which carries the title (the report's year comes from its own
title). Without OCR (switched off, or the extra not installed) nothing is read here, and the reader
answers ``needs_ocr`` if the tables were on those pages.
"""
from __future__ import annotations

import pypdfium2 as pdfium

from ...errors import DocumentError
from ...settings import ReadSettings
from ..document import Document, Paragraph
from .grid import Grid
from .triage import PageScan, pages_phrase


def ocr_pages(path: str, scans: list[PageScan], settings: ReadSettings,
              doc: Document) -> dict[int, list[Paragraph | Grid]]:
    """Blocks of the image-only pages worth reading, by page number; {} when there are none or when
    OCR is switched off or not installed."""
    from .. import ocr

    candidates = [s.number for s in scans if s.has_images]
    if not candidates or ocr.unavailable(settings):
        return {}
    all_scanned = not any(s.text.strip() for s in scans)
    pdf = pdfium.PdfDocument(path)
    try:
        # a page whose render would exceed the image pixel limit (a hostile media box) is not rendered
        huge = [n for n in candidates if _pixels(pdf[n - 1], settings.ocr_dpi) > settings.max_image_pixels]
        if huge and all_scanned:
            raise DocumentError("too_large", f"{pages_phrase(huge)} of this scan would be more than "
                                f"{settings.max_image_pixels:,} pixels at {settings.ocr_dpi} dpi "
                                "(ReadSettings.max_image_pixels): not rendered for OCR", path)
        if huge:
            doc.warnings.append(f"{pages_phrase(huge)}: images only, but too large to render for OCR "
                                f"(more than {settings.max_image_pixels:,} pixels at {settings.ocr_dpi} dpi)")
        candidates = [n for n in candidates if n not in huge]
        chosen = [n for n in candidates if (n == 1 and all_scanned) or _looks_like_table(pdf[n - 1])]
        skipped = [n for n in candidates if n not in chosen]
        if skipped:
            doc.warnings.append(f"{pages_phrase(skipped)}: images only with no ruled table; not OCR'd")
        out: dict[int, list[Paragraph | Grid]] = {}
        for n in chosen:
            page = pdf[n - 1]
            try:
                width, height = page.get_size()
                bitmap = page.render(scale=settings.ocr_dpi / 72)
                image = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            out[n] = ocr.image_to_blocks(ocr.page_image(image, width, height), n)
            doc.ocr_pages.append(n)
        return out
    finally:
        pdf.close()


def _pixels(page: pdfium.PdfPage, dpi: int) -> float:
    try:
        width, height = page.get_size()
    finally:
        page.close()
    return abs(width * height) * (dpi / 72) ** 2


def _looks_like_table(page: pdfium.PdfPage) -> bool:
    from .. import ocr

    try:
        width, _ = page.get_size()
        bitmap = page.render(scale=100 / 72, grayscale=True)
        image = bitmap.to_pil()
        bitmap.close()
    finally:
        page.close()
    return ocr.looks_like_table(image, width)
