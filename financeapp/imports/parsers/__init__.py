"""Bank-file parsers: pure functions of bytes returning financeapp.imports.parsed.ParsedFile.

    fmt = detect_format(filename, data)          # "ofx" | "qfx" | "qif" | "csv" | "camt053", or ParseError
    parsed = parse(data, filename)               # CSV: with the auto-detected mapping, or ParseError naming
    parsed = parse(data, filename, csv_mapping=mapping)  # the columns it could not recognise

For the CSV mapping page: csv.sniff(data) -> CsvLayout (header, sample rows, suggested mapping) and
csv.header_signature(layout) to find a saved mapping. No Flask, no database.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from financeapp.imports.parsed import ParsedFile, ParseError
from financeapp.imports.parsers._text import bom_encoding, utf16_without_bom
from financeapp.imports.parsers.camt import parse_camt
from financeapp.imports.parsers.csv import CsvLayout, CsvMapping, header_signature, parse_csv, sniff
from financeapp.imports.parsers.ofx import parse_ofx
from financeapp.imports.parsers.qif import parse_qif

__all__ = [
    "FORMATS",
    "CsvLayout",
    "CsvMapping",
    "ParseError",
    "detect_format",
    "header_signature",
    "parse",
    "sniff",
]

FORMATS = ("ofx", "qfx", "qif", "csv", "camt053")
_EXTENSIONS = {
    ".ofx": "ofx",
    ".qbo": "ofx",
    ".qfx": "qfx",
    ".qif": "qif",
    ".csv": "csv",
    ".tsv": "csv",
    ".ssv": "csv",
    ".txt": "csv",
    ".xml": "camt053",
    ".053": "camt053",
}


def _head(data: bytes) -> str:
    """The start of the file as text, whatever its encoding, for sniffing."""
    chunk = data[:8192]
    bom = bom_encoding(chunk)
    encoding = bom or utf16_without_bom(chunk)
    if encoding:
        return chunk.decode(encoding, "ignore").lstrip("\ufeff")
    return chunk.decode("latin-1")


def detect_format(filename: str, data: bytes) -> str:
    """The format of a bank file: by its content first, then by its extension. Raises ParseError when unknown."""
    ext = PurePath(filename or "").suffix.lower()
    if not data.strip(b"\x00 \t\r\n"):
        raise ParseError("The file is empty.")
    head = _head(data)
    text = head.lstrip()
    upper = head.upper()
    if "OFXHEADER" in upper or re.search(r"<OFX\s*>", upper):
        return "qfx" if ext == ".qfx" else "ofx"
    if text.startswith("<"):
        if re.search(r"camt\.05[234]|<(\w+:)?Document[\s>]", head):
            return "camt053"
        root = re.search(r"<(?![?!])([\w:.-]+)", text)
        raise ParseError(
            f"This XML file is neither OFX nor CAMT.053 (its root element is <{root.group(1) if root else '?'}>)."
        )
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if re.match(r"!(Type|Account|Option|Clear)\b", first, re.IGNORECASE):
        return "qif"
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if "\x00" in text or sum(1 for c in text[:2000] if ord(c) < 9) > 5:
        raise ParseError(
            f"Unknown file format{f' ({ext})' if ext else ''}: this is not a bank statement we can read "
            "(OFX, QFX, QIF, CSV or CAMT.053)."
        )
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if lines and sum(1 for ln in lines if any(d in ln for d in ",;\t|")) >= max(1, len(lines) // 2):
        return "csv"
    raise ParseError(
        f"Unknown file format{f' ({ext})' if ext else ''}: expected OFX, QFX, QIF, CSV or CAMT.053."
    )


def parse(data: bytes, filename: str = "", *, csv_mapping: CsvMapping | None = None) -> ParsedFile:
    """Detect the format and parse. Raises ParseError (with `row` where it applies) for anything unreadable."""
    fmt = detect_format(filename, data)
    if fmt in ("ofx", "qfx"):
        return parse_ofx(data, format=fmt)
    if fmt == "qif":
        return parse_qif(data)
    if fmt == "camt053":
        return parse_camt(data)
    if csv_mapping is not None:
        return parse_csv(data, csv_mapping)
    layout = sniff(data)
    if layout.suggested is None:
        raise ParseError(
            f"The CSV columns could not be recognised: {', '.join(layout.problems)}. Map the columns by hand."
        )
    parsed = parse_csv(data, layout.suggested)
    parsed.warnings[:0] = list(layout.notes)
    return parsed
