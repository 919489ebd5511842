"""Ruling lines of a page image, as the edge dicts the PDF reader's cell finder takes.

A morphological opening with a long thin kernel keeps only runs of ink longer than any character
stroke: horizontal rules with a wide kernel, vertical rules with a tall one. Each remaining component
becomes one edge in PDF points, so pdfplumber's lattice algorithm (the same one that reads text-layer
PDFs) turns them into cells.
"""
from __future__ import annotations

import cv2
import numpy as np

# Kernel lengths in points: longer than a character at body sizes (10.5–16 pt), shorter than the
# narrowest cell of the report tables (≈ 30 pt wide, 14 pt tall).
H_KERNEL_PT = 24.0
V_KERNEL_PT = 12.0


def ink_to_rules(ink: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and vertical rules in an ink mask; ``scale`` is points per pixel.

    Gaps a JPEG or a speckled scan leaves in a rule are closed first along the rule's direction.
    """
    hk = max(8, int(H_KERNEL_PT / scale))
    vk = max(8, int(V_KERNEL_PT / scale))
    gap = max(2, int(1.5 / scale))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horiz, vert


def rules_to_edges(horiz: np.ndarray, vert: np.ndarray, scale: float) -> list[dict]:
    """One pdfplumber edge per connected rule (x0, x1, top, bottom in points, origin top-left).

    Only rules that meet two rules across them are kept (:func:`_meeting_rules`).

    >>> h = np.zeros((100, 200), np.uint8); h[10, 10:190] = 255; h[90, 10:190] = 255
    >>> v = np.zeros_like(h); v[10:91, 10] = 255; v[10:91, 189] = 255
    >>> [(e["orientation"], e["x0"], e["top"]) for e in rules_to_edges(h, v, 1.0)]
    [('h', 10.0, 10.5), ('h', 10.0, 90.5), ('v', 10.5, 10.0), ('v', 189.5, 10.0)]
    """
    edges: list[dict] = []
    for mask, orient in ((horiz, "h"), (vert, "v")):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, w, h, _area in stats[1:n]:
            if orient == "h":
                if w < 3 * h:
                    continue
                x0, x1 = x * scale, (x + w) * scale
                top = bottom = (y + h / 2) * scale
            else:
                if h < 3 * w:
                    continue
                x0 = x1 = (x + w / 2) * scale
                top, bottom = y * scale, (y + h) * scale
            edges.append({"x0": float(x0), "x1": float(x1), "top": float(top), "bottom": float(bottom),
                          "width": float(x1 - x0), "height": float(bottom - top), "orientation": orient,
                          "object_type": "line"})
    return _meeting_rules(edges)


def _meeting_rules(edges: list[dict], tol: float = 2.0) -> list[dict]:
    """The edges that meet at least two edges of the other direction.

    A table rule meets the rules across it; the tall stroke of a large heading character or an
    underline meets none. They must go: the cell finder snaps edges by position alone, so a stroke
    lying anywhere in a rule's column would pull the rule towards it.

    >>> h = lambda y, a, b: {"orientation": "h", "x0": a, "x1": b, "top": y, "bottom": y}
    >>> v = lambda x, a, b: {"orientation": "v", "x0": x, "x1": x, "top": a, "bottom": b}
    >>> kept = _meeting_rules([h(0, 0, 100), h(50, 0, 100), v(0, 0, 50), v(100, 0, 50), v(30, 200, 215)])
    >>> len(kept)
    4
    """
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]

    def meets(a: dict, b: dict) -> bool:  # a horizontal, b vertical
        return (a["x0"] - tol <= b["x0"] <= a["x1"] + tol) and (b["top"] - tol <= a["top"] <= b["bottom"] + tol)

    keep_h = [a for a in hs if sum(meets(a, b) for b in vs) >= 2]
    keep_v = [b for b in vs if sum(meets(a, b) for a in keep_h) >= 2]
    keep_h = [a for a in keep_h if sum(meets(a, b) for b in keep_v) >= 2]
    return keep_h + keep_v


def grid_score(ink: np.ndarray, scale: float) -> int:
    """How table-like a page is: the smaller of its numbers of long horizontal and vertical rules.

    A cheap first pass on a low-resolution render: a report table page has many of both, a page of
    prose none (an underline or a frame has one kind, or few).
    """
    horiz, vert = ink_to_rules(ink, scale)
    edges = rules_to_edges(horiz, vert, scale)
    n_h = sum(1 for e in edges if e["orientation"] == "h" and e["width"] >= 60)
    n_v = sum(1 for e in edges if e["orientation"] == "v" and e["height"] >= 12)
    return min(n_h, n_v)
