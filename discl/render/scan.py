"""Scanned copies of PDFs: pages rasterised and degraded as a scanner or a phone camera would.

The OCR path is tested on these: a PDF that discl rendered (or a real report with a text layer) is
drawn at ``dpi``, turned by a small angle, greyed, speckled, stamped with a red seal and
JPEG-compressed, then saved as an image-only PDF or as page images. Every degradation is seeded, so
a scan is reproducible.

>>> import random, tempfile, os
>>> from discl.render import random_spec, render_pdf
>>> d = tempfile.mkdtemp()
>>> _ = render_pdf(random_spec(random.Random(1), template="gb2021"), os.path.join(d, "r.pdf"))
>>> pages = scan_pages(os.path.join(d, "r.pdf"), ScanSettings(dpi=100))
>>> len(pages) >= 2, pages[0].mode
(True, 'RGB')
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


@dataclass(frozen=True)
class ScanSettings:
    """How a scan is degraded (all seeded by ``seed``)."""
    dpi: int = 200
    angle: float = 0.7  # degrees, counter-clockwise
    jpeg_quality: int = 60
    speckle: float = 0.002  # fraction of pixels turned to random dark or light specks
    grey_paper: int = 235  # brightness of the paper (255: white)
    seal: bool = True  # a red round seal over the last page's text
    blur: float = 0.4  # Gaussian blur radius in pixels (the scanner's optics)
    seed: int = 0

    def __post_init__(self) -> None:
        if not 50 <= self.dpi <= 600:
            raise ValueError(f"ScanSettings.dpi must be between 50 and 600, got {self.dpi}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"ScanSettings.jpeg_quality must be between 1 and 100, got {self.jpeg_quality}")
        if not 0 <= self.speckle < 0.2:
            raise ValueError(f"ScanSettings.speckle must be in [0, 0.2), got {self.speckle}")


def scan_pages(pdf: bytes | str | os.PathLike, settings: ScanSettings = ScanSettings()) -> list[Image.Image]:
    """The pages of a PDF (bytes or a path) as degraded RGB page images."""
    import pypdfium2 as pdfium

    rng = np.random.default_rng(settings.seed)
    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else os.fspath(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=settings.dpi / 72)
            img = bitmap.to_pil().convert("RGB")
            bitmap.close()
            page.close()
            out.append(_degrade(img, settings, rng, seal=settings.seal and i == len(doc) - 1))
        return out
    finally:
        doc.close()


def _degrade(img: Image.Image, s: ScanSettings, rng: np.random.Generator, seal: bool) -> Image.Image:
    if seal:
        img = _stamp(img, rng)
    arr = np.asarray(img).astype(np.float32)
    arr = arr * (s.grey_paper / 255.0)  # grey paper: white becomes grey, ink stays dark
    if s.speckle:
        mask = rng.random(arr.shape[:2]) < s.speckle
        dark = rng.random(arr.shape[:2]) < 0.5
        arr[mask & dark] = rng.uniform(0, 90)
        arr[mask & ~dark] = 255
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if s.blur:
        img = img.filter(ImageFilter.GaussianBlur(s.blur))
    if s.angle:
        img = img.rotate(s.angle, resample=Image.Resampling.BICUBIC, expand=False,
                         fillcolor=(s.grey_paper,) * 3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=s.jpeg_quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _stamp(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A red seal (ring, star, arc of text-like marks) drawn translucently over the lower text."""
    w, h = img.size
    r = int(w * 0.1)
    cx, cy = int(w * rng.uniform(0.55, 0.75)), int(h * rng.uniform(0.55, 0.8))
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (215, 30, 35, 150)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(3, r // 12))
    d.regular_polygon((cx, cy, r // 3), 5, fill=red)
    for k in range(14):
        a = np.pi * (0.15 + 0.7 * k / 13)
        x, y = cx - 0.75 * r * np.cos(a), cy - 0.75 * r * np.sin(a)
        d.rectangle((x - r // 14, y - r // 14, x + r // 14, y + r // 14), fill=red)
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def scan_pdf(pdf: bytes | str | os.PathLike, out: str | os.PathLike, settings: ScanSettings = ScanSettings()) -> None:
    """Write an image-only PDF (no text layer) scanned from ``pdf``."""
    pages = scan_pages(pdf, settings)
    pages[0].save(os.fspath(out), "PDF", resolution=settings.dpi, save_all=True, append_images=pages[1:])


def scan_images(pdf: bytes | str | os.PathLike, out_stem: str | os.PathLike,
                settings: ScanSettings = ScanSettings(), ext: str = ".jpg") -> list[str]:
    """Write one image per page (``<out_stem>-1.jpg`` …) scanned from ``pdf``; return the paths."""
    paths = []
    for i, img in enumerate(scan_pages(pdf, settings), start=1):
        p = f"{os.fspath(out_stem)}-{i}{ext}"
        img.save(p, dpi=(settings.dpi, settings.dpi), **({"quality": settings.jpeg_quality}
                                                          if ext in (".jpg", ".jpeg") else {}))
        paths.append(p)
    return paths
