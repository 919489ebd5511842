"""The OCR engine: RapidOCR's PP-OCRv4 Chinese models on ONNX Runtime, loaded once per process.

Why RapidOCR (``rapidocr-onnxruntime``): its wheel carries the detection and recognition models, so it
installs from PyPI alone and never downloads at run time, and on rendered report pages it read the table
figures far better than Tesseract 5 with ``chi_sim`` (``benchmarks/bench_ocr.py`` compares the two).
Only its line recogniser is used: discl finds the text lines itself (cells from the ruling lines, lines
from the ink's row profile, :mod:`.page`), and pages are levelled before OCR, so neither the text
detector nor the angle classifier is needed.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ...errors import DocumentError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

_LOCK = threading.Lock()


def available() -> bool:
    """True when the OCR extra (``pip install 'discl[ocr]'``) is installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "cv2"))


@dataclass
class Engine:
    rec: object

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, score) for each image of one text line."""
        if not crops:
            return []
        with _LOCK:
            res, _ = self.rec(crops)
        return [(str(t), float(s)) for t, s in res]


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The process's engine (the model is loaded on first use, ~0.5 s).

    ONNX Runtime uses ``DISCL_OCR_THREADS`` threads (default 1: the batch runs one worker per core,
    and one thread per worker is fastest overall).
    """
    try:
        from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml, update_model_path
    except ImportError as e:
        raise DocumentError("converter_missing", "the page is a scan and OCR is not installed: "
                            "pip install 'discl[ocr]'") from e
    config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
    threads = int(os.environ.get("DISCL_OCR_THREADS", "1"))
    config["Rec"]["intra_op_num_threads"] = threads
    config["Rec"]["inter_op_num_threads"] = 1
    # a line image is scaled to 48 px high and padded to at least this width; the default (320) makes a
    # lone figure cost as much as a 7-character line, and a narrower floor reads the same text
    # (measured on rendered table pages: identical output, 2.6x faster)
    config["Rec"]["rec_img_shape"] = [3, 48, 96]
    config["Rec"]["rec_batch_num"] = 16
    return Engine(TextRecognizer(config["Rec"]))
