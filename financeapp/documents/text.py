"""Reading a document's pages: the PDF text layer first (pdfplumber), page images for OCR otherwise.

A PDF whose pages carry real text (an invoice exported from accounting software) is read exactly,
without OCR. Scans saved as PDF have no text layer, or a few stray characters: those pages are
rasterised with pdfium (pypdfium2, which pdfplumber already depends on) and go to OCR.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps

from financeapp.core.errors import Invalid

log = logging.getLogger("financeapp.documents")

MIN_TEXT_CHARS = 40  # fewer letters and digits on a page than this: treat it as a scan
RENDER_DPI = 200  # for OCR of image-only PDFs; 150-dpi scans come out as sharp as they were made
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not rendered


def _meaningful(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def pdf_page_count(path: Path) -> int:
    """How many pages a PDF has; Invalid when it cannot be opened."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as err:  # pdfium raises its own error types for broken or encrypted files
        raise Invalid(f"The PDF cannot be opened ({type(err).__name__}): is it damaged or password-protected?") \
            from None
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_pages_in(content: bytes) -> int | None:
    """How many pages a PDF in memory has; None when pdfium cannot open it (reading it says why later)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(content)
    except Exception:  # pdfium raises its own error types for broken or encrypted files
        return None
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_text_pages(path: Path, max_pages: int) -> list[str]:
    """The text layer of each page (up to `max_pages`), "" for a page without one."""
    import pdfplumber

    pages: list[str] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages[:max_pages]:
                text = page.extract_text() or ""
                pages.append(text if _meaningful(text) >= MIN_TEXT_CHARS else "")
                page.close()
    except Exception as err:  # pdfminer raises many error types for malformed files
        log.info("no text layer read from %s: %s", path.name, err)
        return []
    return pages


def render_pdf_pages(path: Path, max_pages: int, dpi: int = RENDER_DPI) -> Iterator[Image.Image]:
    """Each page (up to `max_pages`) as a greyscale image, one at a time."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(min(len(pdf), max_pages)):
            page = pdf[index]
            try:
                width, height = page.get_size()
                scale = dpi / 72
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (width * height)) ** 0.5
                yield page.render(scale=scale, grayscale=True).to_pil()
            finally:
                page.close()
    finally:
        pdf.close()


def open_image(path: Path) -> Image.Image:
    """A photo or scan, upright as its EXIF says; HEIC through pillow-heif. Invalid when unreadable."""
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # HEIC uploads then fail to open with the message below
        pass
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            image.load()
            return ImageOps.exif_transpose(image) or image
    except (OSError, Image.DecompressionBombError, ValueError) as err:
        raise Invalid(f"The image cannot be read ({err}).") from None


PREVIEW_WIDTH = 1100  # pixels: sharp beside the fields on a laptop, small enough to send quickly


def preview_jpeg(path: Path, content_type: str, page: int) -> bytes:
    """Page `page` (1-based) of a stored document as a JPEG a browser can show (PDF pages and HEIC too)."""
    if content_type == "application/pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                raise Invalid(f"This document has no page {page}.")
            sheet = pdf[page - 1]
            try:
                width, _height = sheet.get_size()
                image = sheet.render(scale=PREVIEW_WIDTH / width).to_pil()
            finally:
                sheet.close()
        finally:
            pdf.close()
    else:
        if page != 1:
            raise Invalid(f"This document has no page {page}.")
        image = open_image(path)
        if image.width > PREVIEW_WIDTH:
            image = image.resize((PREVIEW_WIDTH, round(image.height * PREVIEW_WIDTH / image.width)),
                                 Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=85)
    return out.getvalue()
