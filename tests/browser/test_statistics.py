"""A visitor reads the statistics page on a phone: the figures of every table come as one card per row, each
figure under its own name, nothing scrolling sideways; on a desktop they stay tables."""

from __future__ import annotations

import pytest

from tests.browser.checks import DESKTOP, PHONE

WORDS = {
    "zh-hans": {"gap_map": "差距地图", "unmet": "未满足需求数"},
    "en": {"gap_map": "Gap map", "unmet": "Demands not met"},
}

# Each figure table: whether its rows are cards, and how much wider than its box it is.
_TABLES_JS = """
() => [...document.querySelectorAll("main table.stats-figures")].filter(t => t.getClientRects().length).map(t => {
  const row = t.querySelector("tbody tr");
  return {
    rows_as: row ? getComputedStyle(row).display : "",
    header_shown: getComputedStyle(t.querySelector("thead")).display !== "none",
    wider_by: t.scrollWidth - t.parentElement.clientWidth,
  };
})
"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_statistics_figures_are_cards_on_a_phone_and_tables_on_a_desktop(open_tab, language):
    words = WORDS[language]
    tab = open_tab(language, PHONE)
    tab.go("/stats/")
    assert words["gap_map"] in tab.text()
    tab.page.locator("#coverage details summary").click()  # the coverage figures, folded away by default
    tables = tab.page.evaluate(_TABLES_JS)
    assert len(tables) >= 2, tables
    for table in tables:
        assert table["rows_as"] == "flex" and not table["header_shown"] and table["wider_by"] <= 0, table
    # each figure is named above it (the cell's data-label, which the phone's style shows), in the reader's language
    labels = tab.page.locator("#gap-map table tbody tr").first.locator("td[data-label]")
    assert words["unmet"] in [labels.nth(i).get_attribute("data-label") for i in range(labels.count())]

    tab.page.set_viewport_size(DESKTOP)
    tables = tab.page.evaluate(_TABLES_JS)
    assert all(table["rows_as"] == "table-row" and table["header_shown"] for table in tables), tables
