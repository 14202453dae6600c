"""OCR of one page image with Tesseract (pytesseract), after light pre-processing.

Pre-processing, kept to what measurably helps on phone photos and scans: greyscale, a contrast
stretch, upscaling small photos (Tesseract reads best at ~30 px letter height), and deskew: a
projection-profile search for the rotation that makes text rows sharpest (a photo held 3° off
costs Tesseract whole lines). numpy does the search on a downscaled copy; opencv did not earn its
100 MB here.

The lines that carry a GSTIN, an invoice number or a date are, where their print is small (a 150-dpi
scan), read twice more from an enlarged crop in English only, and the three readings vote: no
arithmetic catches a misread character in those fields.

Each page has a timeout (the second readings included); a page that runs out is reported, not waited
on for ever.
"""

from __future__ import annotations

import os
import re
import shutil
import time
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


# Lines that carry a GSTIN, an invoice or receipt number or a date: a misread character there is a
# wrong field (and no arithmetic catches it), so where their print is small these lines are read
# twice more, enlarged, in English only. Small letters at 150 dpi are where Tesseract slips ("TI"
# read as "11", "0" as "O0"), and with Hindi loaded it may read a Latin "I" as the danda "।" or "॥".
KEY_LINE = re.compile(r"GSTIN|\bGST\s*(?:No|#)|(?<!due )(?<!order )\bdate\b|"
                      r"\b(?:invoice|inv|bill|receipt|doc(?:ument)?)\b\.?\s*(?:(?:no|num|number)\b|#)", re.I)
REREAD_SCALE = 2
REREAD_BELOW = 32  # pixels of line height: larger print (a receipt upscaled, a 300-dpi scan) reads well as it is
REREAD_PAD = 6  # pixels around the line's box


_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_LATIN = re.compile(r"[A-Za-z0-9]")


def _mixed_script(word: str) -> bool:
    """A word of Latin letters or digits with a Devanagari sign in it ("1॥/25-26"): a misreading."""
    return bool(_DEVANAGARI.search(word) and _LATIN.search(word))


def _line_words(pytesseract, image: Image.Image, timeout: int) -> list[tuple[str, float]]:
    data = pytesseract.image_to_data(image, lang="eng", config="--psm 7", timeout=timeout,
                                     output_type=pytesseract.Output.DICT)
    return [(w, float(c)) for w, c in zip(data["text"], data["conf"], strict=True) if w.strip()]  # float ok


def _reread_line(pytesseract, page: Image.Image, box: list[int], first: list[tuple[str, float]],
                 timeout: int) -> str:
    """A key line read two more times from its crop at twice the size, English only, as grey and as black
    and white; the three readings vote word by word (when they split a line alike), else the one
    Tesseract is surest of wins. A reading that lost the line's label is no reading of that line."""
    line = " ".join(w for w, _c in first)
    left, top, right, bottom = box
    crop = page.crop((max(0, left - REREAD_PAD), max(0, top - REREAD_PAD), min(page.width, right + REREAD_PAD),
                      min(page.height, bottom + REREAD_PAD)))
    if crop.width < 8 or crop.height < 8:
        return line
    crop = crop.resize((crop.width * REREAD_SCALE, crop.height * REREAD_SCALE), Image.Resampling.LANCZOS)
    low, high = crop.getextrema()
    middle = (int(low) + int(high)) // 2 + 22  # a little above mid-grey: thin strokes stay joined
    readings = [[(w, -1.0 if _mixed_script(w) else c) for w, c in first]]  # a mixed-script word never wins
    for variant in (crop, crop.point(lambda v: 255 if v > middle else 0)):
        # Tesseract reads a line badly that touches the image's edge: a white margin around it.
        words = _line_words(pytesseract, ImageOps.expand(variant, border=20, fill=255), timeout)
        if words and KEY_LINE.search(" ".join(w for w, _c in words)):
            readings.append(words)
    if len(readings) == 1:
        return line
    if len({len(r) for r in readings}) == 1 and len(readings) == 3:
        voted = []
        for position in range(len(first)):
            options = [r[position] for r in readings]
            texts = [w for w, _c in options]
            agreed = next((w for w in texts if texts.count(w) >= 2 and not _mixed_script(w)), None)
            voted.append(agreed or max(options, key=lambda o: o[1])[0])
        return " ".join(voted)
    best = max(readings, key=lambda r: sum(c for _w, c in r) / len(r))
    return " ".join(w for w, _c in best)


def read_page(image: Image.Image, timeout: int = PAGE_TIMEOUT) -> PageText:
    """OCR one page: the text in reading order, line by line. TimeoutError when the page runs out of time."""
    pytesseract = _tesseract()
    # One thread per Tesseract: pages are read one at a time per worker, and OpenMP threads on a
    # small shared server only fight each other (measured: slower, not faster, on 2 cores).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    deadline = time.monotonic() + timeout
    prepared, angle = preprocess(image)
    # --psm 6 reads the page as one block of lines, which keeps a label and its amount on one line.
    data = pytesseract.image_to_data(prepared, lang=languages(), config="--psm 6", timeout=timeout,
                                     output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[str]] = {}
    boxes: dict[tuple[int, int, int], list[int]] = {}  # left, top, right, bottom of each line
    confidences: list[float] = []
    line_words: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for index, word in enumerate(data["text"]):
        if not word.strip():
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(word)
        left, top = data["left"][index], data["top"][index]
        right, bottom = left + data["width"][index], top + data["height"][index]
        box = boxes.setdefault(key, [left, top, right, bottom])
        box[:] = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
        confidence = float(data["conf"][index])  # float ok: Tesseract's 0-100 score, not money
        line_words.setdefault(key, []).append((word, confidence))
        if confidence >= 0:
            confidences.append(confidence)
    texts = {key: " ".join(words) for key, words in lines.items()}
    for key, line in texts.items():
        left = deadline - time.monotonic()
        if left < 1:
            break  # out of time: the first readings stand
        if KEY_LINE.search(line) and boxes[key][3] - boxes[key][1] < REREAD_BELOW:
            texts[key] = _reread_line(pytesseract, prepared, boxes[key], line_words[key], max(1, int(left)))
    text = "\n".join(line for _key, line in sorted(texts.items()))
    mean = round(sum(confidences) / len(confidences)) if confidences else 0
    return PageText(text=text, confidence=mean, angle=angle)
