"""Limits and options for reading documents, as a dataclass with documented defaults."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ReadSettings:
    """Limits applied to every input file.

    >>> ReadSettings().max_pages
    200
    >>> ReadSettings(max_pages=0)
    Traceback (most recent call last):
    ...
    ValueError: ReadSettings.max_pages must be a positive number, got 0
    """

    #: files larger than this are refused with ``too_large`` (bytes)
    max_bytes: int = 60 * 1024 * 1024
    #: PDFs with more pages are refused with ``too_many_pages``
    max_pages: int = 200
    #: total uncompressed size allowed inside a DOCX (zip bomb guard, bytes)
    max_unzipped_bytes: int = 200 * 1024 * 1024
    #: per-file wall-clock limit in seconds (enforced by the batch runner)
    timeout_s: float = 120.0
    #: LibreOffice binary used to convert legacy .doc/.wps files
    soffice: str = "soffice"
    #: image files (and scanned pages) with more pixels are refused with ``too_large``
    max_image_pixels: int = 80_000_000
    #: read image-only PDF pages and image files by OCR (needs the ``ocr`` extra); False: ``needs_ocr``
    ocr: bool = True
    #: resolution at which scanned PDF pages are rendered for OCR
    ocr_dpi: int = 200

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v <= 0:
                raise ValueError(f"ReadSettings.{f.name} must be a positive number, got {v}")


DEFAULT_SETTINGS = ReadSettings()
