"""PDF documents in Chinese and English (comparisons, award notices, import-justification dossiers).

reportlab's built-in CID font STSong-Light (Adobe-GB1) renders the Chinese: the PDF names the font and every
reader supplies it, so the platform ships no font file and the text stays extractable. Latin text uses the same
font, which has Latin glyphs, so a mixed line never switches fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

STYLES = {
    "title": ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, spaceAfter=6),
    "heading": ParagraphStyle("heading", fontName=FONT, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13.5, wordWrap="CJK"),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=10, wordWrap="CJK"),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=10, textColor=colors.grey),
}


@dataclass
class Block:
    """One piece of a document: a heading, a paragraph, or a table (first row is the header)."""

    kind: str
    text: str = ""
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    widths: Sequence[float] | None = None


def heading(text: str) -> Block:
    return Block("heading", text)


def paragraph(text: str) -> Block:
    return Block("body", text)


def small(text: str) -> Block:
    return Block("small", text)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None) -> Block:
    return Block("table", rows=rows, widths=widths)


def _para(text: Any, style: str) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), STYLES[style])


def pdf_bytes(title: str, blocks: Sequence[Block], *, wide: bool = False, author: str = "") -> bytes:
    """A PDF with a title and the blocks in order; ``wide`` for landscape pages (a comparison's many columns)."""
    output = io.BytesIO()
    pagesize = landscape(A4) if wide else A4
    document = SimpleDocTemplate(
        output,
        pagesize=pagesize,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=author,
    )
    usable = pagesize[0] - 28 * mm
    story: list[Any] = [_para(title, "title")]
    for block in blocks:
        if block.kind == "table":
            if not block.rows:
                continue
            count = max(len(row) for row in block.rows)
            widths = [usable * w for w in block.widths] if block.widths else [usable / count] * count
            data = [[_para(cell, "cell") for cell in row] for row in block.rows]
            grid = Table(data, colWidths=widths, repeatRows=1)
            grid.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.94, 0.97)),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [grid, Spacer(1, 4 * mm)]
        else:
            story.append(_para(block.text, block.kind))
    document.build(story)
    return output.getvalue()
