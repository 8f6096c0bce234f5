"""How amounts read on pages: grouped digits, and 万元 / 亿元 in Chinese, where readers count in ten-thousands."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def grouped(value: Any, decimals: int = 0) -> str:
    """2297000 -> "2,297,000" in every language (the Chinese locale of Django groups nothing)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    return f"{number:,.{decimals}f}"


def _short(number: Decimal) -> str:
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def amount_cny(value: Any, *, exact: bool = False, language: str | None = None) -> str:
    """An amount in yuan as the reader expects it: 229.7 万元 (Chinese), CNY 2,297,000 (English).

    ``exact`` keeps every digit and the fen (a quoted unit price), grouped, in yuan.
    """
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    language = language or translation.get_language() or ""
    if language.startswith("zh"):
        # 万 and 亿 exist only in Chinese, so they are written here rather than translated.
        if not exact and abs(number) >= YI:
            return f"{_short(number / YI)} 亿元"
        if not exact and abs(number) >= WAN:
            return f"{_short(number / WAN)} 万元"
        return f"{grouped(number, 2 if exact else 0)} 元"
    with translation.override(language or None):
        return _("CNY %(amount)s") % {"amount": grouped(number, 2 if exact else 0)}


def amount_cny_range(low: Any, high: Any, *, language: str | None = None) -> str:
    """A price range with the unit once: 30–50 万元, CNY 300,000–500,000; one end alone when they agree."""
    low_number, high_number = _decimal(low), _decimal(high)
    if low_number is None or high_number is None or low_number == high_number:
        return amount_cny(low_number if low_number is not None else high_number, language=language)
    language = language or translation.get_language() or ""
    if language.startswith("zh"):
        for divisor, unit in ((YI, "亿元"), (WAN, "万元")):
            if abs(low_number) >= divisor:
                return f"{_short(low_number / divisor)}–{_short(high_number / divisor)} {unit}"
        if abs(high_number) >= WAN:
            return f"{amount_cny(low_number, language=language)}–{amount_cny(high_number, language=language)}"
        return f"{grouped(low_number)}–{grouped(high_number)} 元"
    with translation.override(language or None):
        return _("CNY %(amount)s") % {"amount": f"{grouped(low_number)}–{grouped(high_number)}"}
