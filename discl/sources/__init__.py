"""Readers: one small module per input format, each ``<format>_to_document(path, settings)``.

:func:`file_to_document` picks the reader from the file's *content* (magic bytes), falling back to the
extension, so a PDF renamed ``.docx`` or an HTML error page saved as ``.pdf`` is handled for what it is.
"""
from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterable, Iterator

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from ._decode import utf16_without_bom
from .document import Cell, Document, Paragraph, Table
from .image import IMAGE_EXTENSIONS, page_files

__all__ = ["Cell", "Document", "Paragraph", "Table", "check_file", "file_to_document", "iter_files", "sniff_format"]

READABLE_EXTENSIONS = {".html", ".htm", ".shtml", ".xhtml", ".txt", ".text", ".md", ".markdown",
                       ".pdf", ".docx", ".doc", ".wps", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}
# image signatures: JPEG, PNG, TIFF (both byte orders)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")


def sniff_format(path: str, head: bytes) -> str:
    """Return the reader name for a file from its first bytes, then its extension."""
    ext = os.path.splitext(path)[1].lower()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if _is_docx(path):
            return "docx"
        # a damaged zip (truncated download) that was a Word file: let the DOCX reader say "corrupt"
        if ext == ".docx" or b"word/" in head[:2048] or b"[Content_Types].xml" in head[:2048]:
            return "docx"
        return "zip"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE2: legacy Word (.doc/.wps) or an encrypted OOXML file
        return "ole"
    lowered = head[:4096].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<table" in lowered or b"<body" in lowered:
        return "html"
    if ext in (".md", ".markdown"):
        return "md"
    if ext in (".html", ".htm", ".shtml", ".xhtml"):
        return "html"
    if ext in (".pdf", ".docx", ".doc", ".wps", ".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        # the extension promises a binary format the content does not have
        return "mismatch"
    return "txt"


def _is_docx(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        # ValueError: a damaged directory entry, e.g. a member name flagged UTF-8 that is not
        # (UnicodeDecodeError); the DOCX reader then reports the file as corrupt
        return False


def check_file(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> int:
    """Refuse what must not be opened or read at all; return the file's size.

    Only regular files are read: opening a FIFO blocks forever and a device such as ``/dev/zero`` never
    ends, so both are refused from ``stat`` alone. The size limit is applied here too, before anything
    (hashing included) reads the file.
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise DocumentError("not_found", f"file not found ({getattr(e, 'strerror', None) or e})", path) from e
    if not stat.S_ISREG(st.st_mode):
        what = "a directory" if stat.S_ISDIR(st.st_mode) else "a device, pipe or socket"
        raise DocumentError("not_found", f"not a regular file ({what})", path)
    size = st.st_size
    if size > settings.max_bytes:
        raise DocumentError(
            "too_large",
            f"the file is {size / 1e6:.1f} MB, above the limit of {settings.max_bytes / 1e6:.0f} MB "
            "(ReadSettings.max_bytes)", path)
    return size


def file_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read any supported file into a :class:`Document`; raise :class:`DocumentError` otherwise."""
    size = check_file(path, settings)
    if size == 0:
        raise DocumentError("empty_file", "the file is empty (0 bytes)", path)
    with open(path, "rb") as f:
        head = f.read(8192)
    kind = sniff_format(path, head)
    if kind == "pdf":
        from .pdf import pdf_to_document
        return pdf_to_document(path, settings)
    if kind == "docx":
        from .docx import docx_to_document
        return docx_to_document(path, settings)
    if kind == "ole":
        from .doc import doc_to_document
        return doc_to_document(path, settings)
    if kind == "image":
        from .image import image_to_document
        return image_to_document(path, settings)
    if kind == "zip":
        raise DocumentError("unsupported_format", "a zip archive that is not a Word document", path)
    if kind in ("html", "md", "txt") and _looks_binary(head):
        raise DocumentError("corrupt", f"named {os.path.splitext(path)[1] or 'without extension'} but the "
                            "content is binary data, not a web page or text", path)
    if kind == "html":
        from .html import html_to_document
        return html_to_document(path, settings)
    if kind == "md":
        from .markdown import markdown_to_document
        return markdown_to_document(path, settings)
    if kind == "mismatch":
        ext = os.path.splitext(path)[1].lower()
        if _looks_binary(head):
            raise DocumentError("corrupt", f"named {ext} but its content is not a {ext[1:].upper()} file "
                                "(unknown binary data)", path)
        # a text file with a misleading extension: read it as text
        from .text import text_to_document
        return text_to_document(path, settings)
    if _looks_binary(head):
        raise DocumentError("unsupported_format", "binary content of an unknown format", path)
    from .text import text_to_document
    return text_to_document(path, settings)


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head[:4096]:
        # UTF-16 text has NULs too; accept it when a BOM or the NULs' pattern says so
        return not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff") or utf16_without_bom(head))
    control = sum(1 for b in head[:4096] if b < 9 or (13 < b < 32))
    return control > len(head[:4096]) * 0.05


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Files named, and readable files found recursively in folders named (sorted, no hidden files)."""
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    ext = os.path.splitext(f)[1].lower()
                    if not f.startswith(".") and ext in READABLE_EXTENSIONS:
                        path = os.path.join(root, f)
                        if ext in IMAGE_EXTENSIONS and page_files(path) is None:
                            continue  # a later page of a report saved one image per page: read with its first
                        yield path
        else:
            yield p
