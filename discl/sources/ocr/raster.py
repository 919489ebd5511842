"""Page images: opened safely, turned into one grey channel that ignores red seals, and deskewed.

Every image that reaches OCR passes here. Pillow decodes lazily, so the pixel count is checked from the
header before any pixel is decoded (a decompression bomb is refused, not decoded); truncated files and
formats Pillow cannot decode become :class:`DocumentError` ``corrupt``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ...errors import DocumentError

# Pillow's own guard is set to the same limit, so an image that slips past the header check (a
# multi-frame TIFF whose later frame is larger) is refused by Pillow itself.
DEFAULT_MAX_PIXELS = 80_000_000
# A page smaller than this cannot hold a legible table (a 1×1 tracking pixel, an icon).
MIN_SIDE = 200


@dataclass
class PageImage:
    """One page as a grey image (uint8, white paper) with its size in PDF points."""
    grey: np.ndarray
    width_pt: float
    height_pt: float
    angle: float = 0.0  # the skew corrected, in degrees

    @property
    def scale(self) -> float:
        """Points per pixel."""
        return self.width_pt / self.grey.shape[1]


def open_image(path: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[Image.Image]:
    """The frames of an image file (a multi-page TIFF has several), decoded and checked.

    Raises ``corrupt`` for what Pillow cannot decode or a truncated file, ``too_large`` for an image
    above ``max_pixels``, ``not_a_report`` for an image too small to hold a page.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    frames: list[Image.Image] = []
    try:
        with warnings.catch_warnings():
            # the size is checked below with a clear message; Pillow still refuses twice the limit itself
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                for i in range(getattr(im, "n_frames", 1)):
                    im.seek(i)
                    _check_size(im.size, max_pixels, path, i)
                    im.load()
                    frames.append(ImageOps.exif_transpose(im).convert("RGB"))
    except Image.DecompressionBombError as e:
        raise DocumentError("too_large", f"the image is larger than the limit of {max_pixels:,} pixels "
                            f"(a decompression bomb?): {e}", path) from e
    except UnidentifiedImageError as e:
        raise DocumentError("corrupt", "not an image Pillow can decode (damaged or an unknown format)",
                            path) from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow raises OSError for truncated data ('image file is truncated'), SyntaxError for some
        # malformed headers
        raise DocumentError("corrupt", f"the image is damaged or truncated ({e})", path) from e
    return frames


def _check_size(size: tuple[int, int], max_pixels: int, path: str, frame: int) -> None:
    w, h = size
    where = f" (frame {frame + 1})" if frame else ""
    if w * h > max_pixels:
        raise DocumentError("too_large", f"the image{where} is {w}×{h} = {w * h:,} pixels, above the limit "
                            f"of {max_pixels:,} (ReadSettings.max_image_pixels)", path)
    if min(w, h) < MIN_SIDE:
        raise DocumentError("not_a_report", f"the image{where} is {w}×{h} pixels: too small to hold a "
                            "report page", path)


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """One channel in which black print is dark and red seals and grey shading are light.

    The red channel alone drops red seals (red ink is bright in it) while black text stays black;
    a grey background is then flattened by dividing by a blurred copy (the paper's brightness).

    >>> img = np.full((60, 60, 3), 255, np.uint8); img[10:20, 10:20] = (220, 30, 30)  # red
    >>> img[30:40, 30:40] = 0  # black
    >>> g = to_grey(img); bool(g[15, 15] > 200), bool(g[35, 35] < 60)
    (True, True)
    """
    red = rgb[:, :, 0] if rgb.ndim == 3 else rgb
    red = red.astype(np.float32)
    k = max(31, (min(red.shape) // 20) | 1)
    paper = cv2.morphologyEx(red, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))  # ink removed: the paper
    paper = np.maximum(paper, 1.0)
    flat = np.clip(red / paper * 255.0, 0, 255)
    return flat.astype(np.uint8)


def binarize(grey: np.ndarray) -> np.ndarray:
    """Ink mask (255 = ink) by Otsu's threshold on the flattened grey image."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def skew_angle(ink: np.ndarray, max_angle: float = 3.0) -> float:
    """The page's skew in degrees (positive: counter-clockwise), from the sharpness of row profiles.

    Text lines and ruling lines make the horizontal projection peaky when the page is level; the angle
    that maximises its variance is searched coarse to fine on a reduced copy.
    """
    h, w = ink.shape
    f = min(1.0, 800 / max(h, w))
    small = cv2.resize(ink, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)

    def score(a: float) -> float:
        m = cv2.getRotationMatrix2D((small.shape[1] / 2, small.shape[0] / 2), a, 1.0)
        rot = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        return float(np.var(rot.sum(axis=1, dtype=np.float64)))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.25), key=score)
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=score)
    return float(round(fine, 2))


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    """The grey image turned by ``angle`` degrees about its centre, corners filled with paper."""
    if abs(angle) < 0.05:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def page_image(rgb: Image.Image | np.ndarray, width_pt: float | None = None,
               height_pt: float | None = None) -> PageImage:
    """A decoded page as a levelled grey :class:`PageImage`.

    Without a size in points (a photo or a scan saved as an image), the page is taken to be A4 wide
    (595 pt): report pages are A4, and the readers' tolerances are in points.
    """
    arr = np.asarray(rgb)
    grey = to_grey(arr)
    angle = skew_angle(binarize(grey))
    grey = rotate(grey, angle)
    h, w = grey.shape
    if width_pt is None or height_pt is None:
        width_pt = 595.0
        height_pt = 595.0 * h / w
    return PageImage(grey, float(width_pt), float(height_pt), angle)
