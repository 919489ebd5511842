"""Errors that end the reading of one file; the batch records them and goes on.

Every expected failure is a :class:`DocumentError` with a stable ``code`` (what went wrong, machine
readable) and a message that names the file and the problem in plain words.
"""
from __future__ import annotations

# Stable error codes. Tests and users match on these; add, never rename.
CODES = {
    "not_found": "the file does not exist",
    "empty_file": "the file is empty",
    "too_large": "the file is larger than the configured limit",
    "unsupported_format": "the file is not a format discl reads",
    "corrupt": "the file is damaged or truncated",
    "encrypted": "the file is password-protected",
    "needs_ocr": "the pages that should hold the tables are images without a text layer",
    "unreadable_text": "the text layer cannot be decoded (e.g. (cid:NN) glyphs)",
    "not_a_report": "no report tables were found in the file",
    "too_many_pages": "the document has more pages than the configured limit",
    "timeout": "reading the file took longer than the configured limit",
    "unsafe_content": "the file contains constructs refused for safety (external entities, zip bomb)",
    "converter_missing": "a converter needed for this format is not installed",
    "conversion_failed": "converting the file to a readable format failed",
    "duplicate": "the file has the same content as another file of the batch",
    "internal_error": "discl failed on this file (a bug: the message says where)",
}


class DocumentError(Exception):
    """A file could not be read; ``code`` is one of :data:`CODES`."""

    def __init__(self, code: str, message: str, path: str | None = None):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return f"{self.path}: {self.message}" if self.path else self.message
