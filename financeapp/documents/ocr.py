"""OCR of one page image with Tesseract (pytesseract), after light pre-processing.

Pre-processing, kept to what measurably helps on phone photos and scans: greyscale, a contrast
stretch, upscaling small photos (Tesseract reads best at ~30 px letter height), and deskew: a
projection-profile search for the rotation that makes text rows sharpest (a photo held 3° off
costs Tesseract whole lines). numpy does the search on a downscaled copy; opencv did not earn its
100 MB here.

Each page has a timeout; a page that runs out is reported, not waited on for ever.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

PAGE_TIMEOUT = 30  # seconds per page
LANGUAGES = ("eng", "hin")
MIN_WIDTH = 1000  # photos narrower than this are upscaled (to UPSCALED_WIDTH) before OCR
UPSCALED_WIDTH = 1500
MAX_WIDTH = 2600  # and wider ones downscaled: more pixels only cost time
DESKEW_RANGE = 6.0  # degrees either way
DESKEW_STEP = 0.25


class OcrUnavailable(RuntimeError):
    """Tesseract (or its language data) is not installed; the message says what to install."""


@dataclass(frozen=True)
class PageText:
    text: str
    confidence: int  # Tesseract's mean word confidence, 0-100
    angle: float  # the deskew rotation applied, degrees


def missing() -> str | None:
    """What is missing for OCR, in words, or None when it can run."""
    try:
        import pytesseract
    except ImportError:
        return "OCR needs the pytesseract package (pip install -r requirements.txt)."
    if shutil.which(os.environ.get("TESSERACT_CMD", "tesseract")) is None:
        return "OCR needs Tesseract: apt install tesseract-ocr tesseract-ocr-eng (and tesseract-ocr-hin)."
    try:
        languages = set(pytesseract.get_languages(config=""))
    except Exception as err:  # a broken install answers with any error type
        return f"Tesseract does not answer ({err})."
    if "eng" not in languages:
        return "OCR needs Tesseract's English data: apt install tesseract-ocr-eng."
    return None


def _tesseract():
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = os.environ.get("TESSERACT_CMD", "tesseract")
    return pytesseract


def languages() -> str:
    """The Tesseract languages to read with: English, and Hindi where its data is installed."""
    pytesseract = _tesseract()

    installed = set(pytesseract.get_languages(config=""))
    return "+".join(lang for lang in LANGUAGES if lang in installed)


def _scaled(image: Image.Image) -> Image.Image:
    width = image.width
    if width < MIN_WIDTH:
        factor = UPSCALED_WIDTH / width
    elif width > MAX_WIDTH:
        factor = MAX_WIDTH / width
    else:
        return image
    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)


def skew_angle(gray: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that best straightens the text rows of a page."""
    small = gray.copy()
    small.thumbnail((800, 800))
    ink = np.asarray(ImageOps.invert(small), dtype=np.float32)
    ink = (ink > ink.mean() + ink.std()).astype(np.uint8) * 255  # dark strokes only
    if ink.sum() == 0:
        return 0.0
    mask = Image.fromarray(ink)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-DESKEW_RANGE, DESKEW_RANGE + DESKEW_STEP / 2, DESKEW_STEP):
        turned = mask.rotate(float(angle), resample=Image.Resampling.NEAREST)  # float ok: degrees
        rows = np.asarray(turned, dtype=np.float32).sum(axis=1)
        score = float(np.square(np.diff(rows)).sum())  # sharp row edges when rows line up with text lines
        if score > best_score:
            best, best_score = float(angle), score
    return best


def preprocess(image: Image.Image) -> tuple[Image.Image, float]:
    """Greyscale, upright, contrast-stretched and straightened page; and the angle it was turned by."""
    gray = ImageOps.grayscale(image) if image.mode != "L" else image
    gray = _scaled(gray)
    gray = ImageOps.autocontrast(gray, cutoff=1)
    angle = skew_angle(gray)
    if abs(angle) >= DESKEW_STEP:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if image.width < MIN_WIDTH:
        gray = gray.filter(ImageFilter.SHARPEN)
    return gray, angle


def read_page(image: Image.Image, timeout: int = PAGE_TIMEOUT) -> PageText:
    """OCR one page: the text in reading order, line by line. TimeoutError when the page runs out of time."""
    pytesseract = _tesseract()
    # One thread per Tesseract: pages are read one at a time per worker, and OpenMP threads on a
    # small shared server only fight each other (measured: slower, not faster, on 2 cores).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    prepared, angle = preprocess(image)
    # --psm 6 reads the page as one block of lines, which keeps a label and its amount on one line.
    data = pytesseract.image_to_data(prepared, lang=languages(), config="--psm 6", timeout=timeout,
                                     output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for index, word in enumerate(data["text"]):
        if not word.strip():
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(word)
        confidence = float(data["conf"][index])  # float ok: Tesseract's 0-100 score, not money
        if confidence >= 0:
            confidences.append(confidence)
    text = "\n".join(" ".join(words) for _key, words in sorted(lines.items()))
    mean = round(sum(confidences) / len(confidences)) if confidences else 0
    return PageText(text=text, confidence=mean, angle=angle)
