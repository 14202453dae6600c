"""Helpers the parsers share: decoding bytes, reading numbers and dates the way bank files write them."""

from __future__ import annotations

import codecs
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_LATIN1_FALLBACK = "financeapp-latin1-fallback"


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the 5 bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) as Latin-1."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


def decode_errors(encoding: str) -> str:
    """The error handler to decode `encoding` with: lenient for Windows-1252, strict otherwise."""
    return _LATIN1_FALLBACK if codecs.lookup(encoding).name == "cp1252" else "strict"


def decode(data: bytes, encoding: str) -> str:
    return data.decode(encoding, decode_errors(encoding))


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the bytes look like BOM-less UTF-16 text (every other byte NUL)."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def bom_encoding(data: bytes) -> str | None:
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    if any(data.startswith(bom) for bom, _ in UTF16_BOMS):
        return "utf-16"  # the codec reads the BOM and drops it
    return None


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut off by a sample boundary is still UTF-8.
        return err.start >= len(data) - 3 and err.reason == "unexpected end of data"
    return True


_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """Strip and collapse runs of whitespace (bank files pad names to fixed widths)."""
    if not text:
        return ""
    if "  " not in text and "\t" not in text and "\n" not in text and "\r" not in text:
        return text.strip()
    return _WS.sub(" ", text).strip()


def short(value: str, limit: int = 40) -> str:
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- numbers -------------------------------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CENT = Decimal("0.01")


def tidy(value: Decimal) -> Decimal:
    """-0 -> 0, and trailing zeros beyond the cents dropped (-30.000 -> -30.00); other decimals kept exactly."""
    if not value:
        return value + 0  # -0 -> 0
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value == value.quantize(_CENT):
        return value.quantize(_CENT)
    return value


def guess_amount(text: str) -> Decimal | None:
    """A number written with an unknown decimal separator: '-12,50', '1.234,56', '1,234.56', '-1,000.00', '1 234,5'.

    With both '.' and ',' the last one is the decimal separator; a ',' that only groups thousands ('1,000')
    is a thousands separator, any other single ',' is the decimal one. None when it is not a number.
    """
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not s:
        return None
    sign = ""
    if s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:]
    if "," in s and "." in s:
        comma_last = s.rfind(",") > s.rfind(".")
        s = s.replace(".", "").replace(",", ".") if comma_last else s.replace(",", "")
    elif "," in s:
        if re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+", s):
            s = s.replace(",", "")
        elif s.count(",") == 1:
            s = s.replace(",", ".")
        else:
            return None
    elif s.count(".") > 1:
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
            s = s.replace(".", "")
        else:
            return None
    if not _PLAIN_NUMBER.fullmatch(s):
        return None
    try:
        return tidy(Decimal(sign + s))
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        return None


# --- dates ---------------------------------------------------------------------------------------------------------


def year_from(text: str, *, apostrophe: bool = False) -> int:
    """A year as bank files write it: 2023, 23 (pivot 70), 099 (years since 1900, a Y2K relic), '00 (Quicken: 2000s)."""
    value = int(text)
    if len(text) >= 4:
        return value
    if len(text) == 3:
        return 1900 + value
    if apostrophe:
        return 2000 + value
    return 2000 + value if value < 70 else 1900 + value


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
