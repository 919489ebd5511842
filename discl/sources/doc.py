"""Read legacy Word (.doc) and WPS (.wps) files — OLE2 compound files — by converting them to DOCX.

An OLE2 file reaches this reader for one of three reasons:

* an encrypted Office 2007+ file: Office wraps a password-protected DOCX in an OLE2 container with
  ``EncryptionInfo`` and ``EncryptedPackage`` streams;
* a legacy Word 97–2003 file, possibly itself password-protected (``fEncrypted`` in its FIB);
* a WPS/Works file or another OLE2 document that LibreOffice may be able to read.

Encryption is detected from the OLE2 directory (a small parser below, no extra dependency), so a protected
file fails fast with ``encrypted`` instead of a slow, opaque LibreOffice failure. Everything else is
converted with LibreOffice headless into a temporary directory (own user profile, so parallel runs do not
clash), then read by :func:`discl.sources.docx.docx_to_document`.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from .docx import docx_to_document
from .document import Document

__all__ = ["doc_to_document", "ole_stream_names", "find_soffice", "INSTALL_HINT"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
INSTALL_HINT = ("install LibreOffice: apt-get install -y --no-install-recommends libreoffice-writer-nogui "
                "(or libreoffice-writer), or set ReadSettings.soffice to the soffice binary")

# OLE2 sector numbers with special meaning (MS-CFB 2.1)
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_REGULAR_SECT = 0xFFFFFFFA
# A directory with more entries than this is not a Word file; stop rather than walk a crafted loop.
_MAX_DIR_ENTRIES = 100_000
# Word's File Information Block: wIdent at offset 0, flags at 0x0A, fEncrypted = bit 8 (MS-DOC 2.5.2)
_WORD_IDENT = 0xA5EC
_FIB_ENCRYPTED = 0x0100


def doc_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read a .doc/.wps file; raise ``encrypted``, ``converter_missing``, ``conversion_failed``, ``timeout``."""
    with open(path, "rb") as f:
        data = f.read(settings.max_bytes + 1)
    if not data.startswith(OLE_MAGIC):
        raise DocumentError("corrupt", "not an OLE2 compound file (legacy Word .doc/.wps expected)", path)
    ole = _parse_ole(data, path)
    if {"EncryptedPackage", "EncryptionInfo"} & ole.names:
        raise DocumentError("encrypted", "a password-protected Word document (encrypted OOXML package): "
                            "open it with the password and save it again without one", path)
    if _word_fib_encrypted(data, ole):
        raise DocumentError("encrypted", "a password-protected Word 97-2003 document: open it with the "
                            "password and save it again without one", path)

    soffice = find_soffice(settings)
    if soffice is None:
        raise DocumentError("converter_missing",
                            f"reading legacy .doc/.wps files needs LibreOffice ({settings.soffice!r} not "
                            f"found); {INSTALL_HINT}", path)
    with tempfile.TemporaryDirectory(prefix="discl-doc-") as tmp:
        converted = _convert_to_docx(soffice, path, tmp, settings)
        try:
            doc = docx_to_document(converted, settings)
        except DocumentError as e:
            # LibreOffice wrote something unreadable: that is a conversion failure of *this* file
            code = "conversion_failed" if e.code == "corrupt" else e.code
            raise DocumentError(code, f"reading LibreOffice's DOCX output failed: {e.message}", path) from e
    doc.path = path
    doc.format = "doc"
    return doc


# --------------------------------------------------------------------------------------------------
# LibreOffice


def find_soffice(settings: ReadSettings = DEFAULT_SETTINGS) -> str | None:
    """Path of the LibreOffice binary: ``settings.soffice``, then ``libreoffice``/``soffice`` and the
    usual install locations; None when LibreOffice is not installed."""
    for name in (settings.soffice, "libreoffice", "soffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = ["/usr/lib/libreoffice/program/soffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  *sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True)]
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def _convert_to_docx(soffice: str, path: str, tmp: str, settings: ReadSettings) -> str:
    """Convert ``path`` to DOCX inside ``tmp``; return the DOCX path."""
    ext = os.path.splitext(path)[1].lower()
    # Copy under a fixed, harmless name: the output name derives from the input's, and a name starting
    # with "-" or holding odd characters must not reach soffice's command line.
    src = os.path.join(tmp, "input" + (ext if ext in (".doc", ".wps", ".dot", ".wpt") else ".doc"))
    shutil.copyfile(path, src)
    outdir = os.path.join(tmp, "out")
    os.mkdir(outdir)
    profile = Path(tmp, "profile").as_uri()
    cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
           "--nodefault", "--nologo", "--convert-to", "docx:MS Word 2007 XML", "--outdir", outdir, src]
    env = dict(os.environ, HOME=tmp)  # LibreOffice may write to $HOME even with its own profile
    try:
        # own session: on timeout the whole process group (soffice.bin and helpers) is killed
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    except OSError as e:
        raise DocumentError("converter_missing", f"cannot run LibreOffice ({soffice}: {e}); {INSTALL_HINT}",
                            path) from e
    try:
        out, err = proc.communicate(timeout=settings.timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise DocumentError("timeout", f"LibreOffice did not convert the file within {settings.timeout_s:g} s "
                            "(ReadSettings.timeout_s)", path) from None
    result = os.path.join(outdir, "input.docx")
    if not os.path.isfile(result) or os.path.getsize(result) == 0:
        detail = _tail((err or b"") + b"\n" + (out or b""))
        raise DocumentError("conversion_failed", f"LibreOffice could not convert the file to DOCX (exit code "
                            f"{proc.returncode}){': ' + detail if detail else ''}", path)
    return result


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the converter's process group (only the group this reader started) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def _tail(output: bytes, limit: int = 300) -> str:
    lines = [ln for ln in output.decode("utf-8", errors="replace").splitlines()
             if ln.strip() and "javaldx" not in ln]  # the javaldx warning is noise on every run
    return " | ".join(lines)[-limit:]


# --------------------------------------------------------------------------------------------------
# minimal OLE2 (MS-CFB) directory reader


@dataclass(frozen=True)
class _OleEntry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int  # first sector
    size: int


@dataclass
class _Ole:
    """The parts of an OLE2 file this reader needs: sector size and directory entries."""
    sector_size: int
    entries: list[_OleEntry]

    @property
    def names(self) -> set[str]:
        return {e.name for e in self.entries}


def ole_stream_names(path: str) -> set[str]:
    """Names of all storages and streams in an OLE2 file (for diagnostics and tests)."""
    with open(path, "rb") as f:
        data = f.read()
    return _parse_ole(data, path).names


def _parse_ole(data: bytes, path: str) -> _Ole:
    """Parse the OLE2 header, FAT and directory stream; ``corrupt`` when they do not hold together."""
    if len(data) < 512:
        raise DocumentError("corrupt", "truncated OLE2 file (shorter than its 512-byte header)", path)
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):  # 512-byte sectors (v3) or 4096-byte sectors (v4)
        raise DocumentError("corrupt", f"bad OLE2 header (sector shift {shift})", path)
    ssize = 1 << shift
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    first_difat = struct.unpack_from("<I", data, 0x44)[0]
    n_difat = struct.unpack_from("<I", data, 0x48)[0]
    # the header occupies sector "-1" (padded to a full sector in v4), so sector i starts at (i+1)*ssize
    n_sectors = max(0, (len(data) - ssize + ssize - 1) // ssize)

    def sector(i: int) -> bytes:
        if i >= n_sectors:
            raise DocumentError("corrupt", f"OLE2 sector {i} lies outside the file (truncated?)", path)
        off = (i + 1) * ssize
        return data[off:off + ssize].ljust(ssize, b"\0")  # a short last sector reads as zeros

    def words(block: bytes) -> tuple[int, ...]:
        return struct.unpack(f"<{ssize // 4}I", block)

    # DIFAT: the first 109 FAT sector numbers are in the header, the rest in a chain of DIFAT sectors
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_REGULAR_SECT]
    difat, seen = first_difat, 0
    while difat <= _MAX_REGULAR_SECT and seen < min(n_difat, n_sectors):
        w = words(sector(difat))
        fat_sectors.extend(s for s in w[:-1] if s <= _MAX_REGULAR_SECT)
        difat, seen = w[-1], seen + 1
    fat: list[int] = []
    for s in fat_sectors[:n_sectors]:
        fat.extend(words(sector(s)))

    entries: list[_OleEntry] = []
    visited: set[int] = set()
    cur = first_dir
    while cur <= _MAX_REGULAR_SECT:
        if cur in visited:
            raise DocumentError("corrupt", "OLE2 directory chain loops", path)
        visited.add(cur)
        block = sector(cur)
        for off in range(0, ssize, 128):
            raw = block[off:off + 128]
            name_len = struct.unpack_from("<H", raw, 0x40)[0]
            kind = raw[0x42]
            if kind == 0 or name_len < 2:
                continue  # unused slot
            # name_len counts bytes including the UTF-16 terminator
            name = raw[:min(name_len, 64) - 2].decode("utf-16-le", errors="replace")
            start, size = struct.unpack_from("<IQ", raw, 0x74)
            entries.append(_OleEntry(name, kind, start, size))
        if len(entries) > _MAX_DIR_ENTRIES:
            raise DocumentError("corrupt", "OLE2 directory is implausibly large", path)
        cur = fat[cur] if cur < len(fat) else _ENDOFCHAIN
    if not entries:
        raise DocumentError("corrupt", "OLE2 file with an empty directory", path)
    return _Ole(ssize, entries)


def _word_fib_encrypted(data: bytes, ole: _Ole) -> bool:
    """True when the WordDocument stream's FIB says the document is encrypted (Word 97–2003 password)."""
    for e in ole.entries:
        # WordDocument is always >= 4096 bytes, so it lives in regular sectors (not the mini stream) and
        # its first sector holds the FIB flags.
        if e.name == "WordDocument" and e.kind == 2 and e.size >= 4096 and e.start <= _MAX_REGULAR_SECT:
            off = (e.start + 1) * ole.sector_size
            if off + 12 > len(data):
                return False
            ident, = struct.unpack_from("<H", data, off)
            flags, = struct.unpack_from("<H", data, off + 0x0A)
            return ident == _WORD_IDENT and bool(flags & _FIB_ENCRYPTED)
    return False
