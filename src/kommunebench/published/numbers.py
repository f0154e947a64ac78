"""Numbers as jobindsats writes them: ``9,08``, ``43.070``, ``-0,15``, ``..`` (missing), ``-``.

A file has one decimal convention: ``comma`` (Danish: ``9,08``; ``.`` groups thousands) or
``point`` (``9.08``; no thousands separator). A share written with the other convention is
refused, never guessed: ``9.08`` in a Danish file would otherwise be read as 908.
"""

from __future__ import annotations

import re

__all__ = ["parse_number", "NumberError"]

_COMMA_INT = re.compile(r"^-?\d{1,3}(\.\d{3})*$|^-?\d+$")
_COMMA_DEC = re.compile(r"^-?(\d{1,3}(\.\d{3})*|\d+),\d+$")
_POINT = re.compile(r"^-?\d+(\.\d+)?$")
_MISSING = {"", "..", "-", "–", "x"}


class NumberError(ValueError):
    """A value that is not a number in the file's convention (the message is the rule, Danish)."""


def parse_number(value: object, *, decimal: str, whole: bool) -> float | None:
    """``value`` as a float (``None`` = missing, ``..``/``-``/empty); ``whole`` = a count or rank.

    Raises :class:`NumberError` naming the rule broken.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError("forventede et tal")
    if isinstance(value, (int, float)):
        if whole and float(value) != int(value):
            raise NumberError("forventede et helt tal")
        return float(value)
    text = str(value).strip().replace("\u2212", "-").replace("\xa0", "")
    if text in _MISSING:
        return None
    if decimal == "comma":
        if _COMMA_INT.match(text) and not (whole is False and "." in text):
            return float(text.replace(".", ""))
        if _COMMA_DEC.match(text):
            if whole:
                raise NumberError("forventede et helt tal")
            return float(text.replace(".", "").replace(",", "."))
        if _POINT.match(text):
            raise NumberError("decimalpunktum hvor der forventes decimalkomma (fx 9,08)")
    else:
        if _POINT.match(text):
            if whole and "." in text and not float(text).is_integer():
                raise NumberError("forventede et helt tal")
            return float(text)
        if _COMMA_DEC.match(text):
            raise NumberError("decimalkomma hvor der forventes decimalpunktum (fx 9.08)")
    raise NumberError("ikke et tal")
