"""What a phone (and a narrower window) shows of the demand pages: the requirement editor fits the screen with every
operator readable, and the demand list's category cells keep whole words instead of one character a line.

The per-page checks find a page wider than the screen, but a table inside ``.table-responsive`` scrolls within
itself and passes them: these tests measure the tables themselves."""

from __future__ import annotations

import pytest

from accounts.models import User
from catalog.models import Category
from tests.browser.checks import DESKTOP, PHONE
from tests.browser.helpers import log_in_as

# The operator a lower-is-better parameter (flow accuracy, in percent) starts with, as the select shows it.
AT_MOST = {"zh-hans": "≤ 不高于", "en": "≤ at most"}

# The requirement table against its box and the screen, and each operator select's shown text against its room.
_EDITOR_JS = """
() => {
  const table = document.querySelector("table.requirement-rows");
  const screen = document.documentElement.clientWidth;
  const context = document.createElement("canvas").getContext("2d");
  const operators = [...table.querySelectorAll("select[name$='-operator']")].map(select => {
    const style = getComputedStyle(select);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = select.options[select.selectedIndex].text;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {name: select.name, text, needs: Math.ceil(context.measureText(text).width), room: Math.floor(room)};
  });
  const controls = [...table.querySelectorAll("input, select")].filter(el => el.getClientRects().length);
  return {
    wider_by: table.scrollWidth - table.parentElement.clientWidth,
    past_screen: controls.filter(el => el.getBoundingClientRect().right > screen + 1).map(el => el.name),
    operators,
  };
}
"""

# Each category cell of the demand table: how many characters each of its lines holds, as laid out.
_CATEGORY_CELLS_JS = """
() => [...document.querySelectorAll("table.demand-table tbody tr")].filter(row => row.cells.length > 1).map(row => {
  const cell = row.cells[1];
  const lines = new Map();
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.length; i++) {
      if (!node.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      lines.set(top, (lines.get(top) || 0) + 1);
    }
  }
  return {text: cell.textContent.trim(), lines: [...lines.values()]};
})
"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_requirement_editor_fits_the_screen_and_every_operator_reads_whole(open_tab, language, viewport):
    tab = open_tab(language, viewport)
    log_in_as(tab, User.objects.get(email="researcher@demo.local"))
    tab.go("/demands/new/")
    form = tab.page.locator("main form").first
    form.locator("[name=category]").select_option(str(Category.objects.get(code="010501").pk))
    form.locator("[name='req-flow_accuracy-operator']").wait_for()
    tab.check()

    editor = tab.page.evaluate(_EDITOR_JS)
    # nothing to scroll sideways, inside the table or past the screen
    assert editor["wider_by"] <= 0, editor
    assert editor["past_screen"] == [], editor
    # each operator's symbol and words fit its box, and lower-is-better starts at "at most"
    operators = editor["operators"]
    assert operators and all(op["needs"] <= op["room"] for op in operators), operators
    shown = {op["name"]: op["text"] for op in operators}
    assert shown["req-flow_accuracy-operator"] == AT_MOST[language], shown


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [DESKTOP["width"], 1024, 768, PHONE["width"]])
def test_the_demand_lists_category_cells_keep_whole_words(open_tab, language, width):
    tab = open_tab(language, PHONE if width == PHONE["width"] else {"width": width, "height": 900})
    tab.go("/demands/")
    cells = tab.page.evaluate(_CATEGORY_CELLS_JS)
    assert cells, "no demands listed"
    # a name breaks, if at all, into lines of several characters each: never one left alone on a line
    cramped = [cell for cell in cells if len(cell["lines"]) > 1 and min(cell["lines"]) < 3]
    assert cramped == [], cramped
