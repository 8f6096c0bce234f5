"""The per-page checks themselves: each fails on the fault it exists for, and lets the deliberate exceptions pass."""

from __future__ import annotations

from tests.browser.checks import (
    _CUT_OFF_JS,
    _OVERFLOW_JS,
    _TEXTS_JS,
    _WRAPPED_JS,
    PHONE,
    english_message_in,
    untranslated,
)


def test_an_english_message_of_the_catalogs_on_a_chinese_page_is_caught():
    # "Save draft and check shared instruments" is a msgid of the procurement catalog, "Log in" one of accounts
    assert untranslated([("Log in", "")], language="zh-hans", allowed=[])
    assert untranslated([("请先 Save draft and check shared instruments", "")], language="zh-hans", allowed=[])
    assert english_message_in("12 full matches among 30 domestic candidates.")  # a plural message, numbers in it
    assert untranslated([("登录", "")], language="zh-hans", allowed=[]) == []


def test_chinese_on_an_english_page_is_caught_unless_people_typed_it():
    assert untranslated([("登录", "")], language="en", allowed=[])
    assert untranslated([("Demand: 液相色谱仪采购", "")], language="en", allowed=["液相色谱仪采购"]) == []


def test_internal_keys_and_pint_names_are_caught_in_either_language():
    for language in ("zh-hans", "en"):
        assert untranslated([("脉冲宽度 pulse_width", "")], language=language, allowed=[])
        assert untranslated([("value_min: 必须是数字", "")], language=language, allowed=[])
        assert untranslated([("80 degC", "")], language=language, allowed=[])
    # an English unit name is right on an English page and untranslated on a Chinese one
    assert untranslated([("% · percent", "")], language="en", allowed=[]) == []
    assert untranslated([("% · percent", "")], language="zh-hans", allowed=[])
    # an option left as stored
    assert untranslated([("isocratic", "")], language="zh-hans", allowed=[])


def test_text_marked_with_another_language_is_deliberate():
    assert untranslated([("English", "en")], language="zh-hans", allowed=[]) == []
    assert untranslated([("简体中文", "zh-hans")], language="en", allowed=[]) == []


def test_page_texts_join_highlights_skip_typed_columns_and_overflow_is_measured(browser):
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            """<html lang="en"><body>
            <p>Found: <a>沃特世 <mark>高效液相色谱仪</mark></a></p>
            <p>Header <kbd>名称</kbd> is accepted.</p>
            <select><option lang="zh-hans">简体中文</option></select>
            <input placeholder="搜索">
            <div style="width: 600px">wide</div>
            </body></html>"""
        )
        texts = page.evaluate(_TEXTS_JS)
        assert ["Found: 沃特世 高效液相色谱仪", "en"] in texts  # one block: the highlight does not split the name
        assert ["Header is accepted.", "en"] in texts  # what is typed verbatim is left out
        assert ["简体中文", "zh-hans"] in texts and ["搜索", "en"] in texts
        problems = untranslated(texts, language="en", allowed=[])
        # the block, the link inside it (a control read on its own too) and the placeholder
        assert len(problems) == 3 and "沃特世" in problems[0] and "沃特世" in problems[1] and "搜索" in problems[2]
        overflow = page.evaluate(_OVERFLOW_JS)
        assert overflow["scrollWidth"] > overflow["width"] == PHONE["width"]
    finally:
        page.close()


def test_an_english_control_label_inside_a_chinese_sentence_is_caught(browser):
    # "Weight" and "Remove" are msgids of the procurement and catalog catalogs; each sits in a Chinese block
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            """<html lang="zh-hans"><body>
            <p>请填写 <label for="w">Weight</label> 一栏</p>
            <p>不需要时可以 <button>Remove</button></p>
            <table><tr><td data-label="Unit">MPa</td></tr></table>
            <p>已保存 <a href="/x">查看</a></p>
            </body></html>"""
        )
        problems = untranslated(page.evaluate(_TEXTS_JS), language="zh-hans", allowed=[])
        assert any("'Weight'" in p for p in problems), problems
        assert any("'Remove'" in p for p in problems), problems
        assert any("'Unit'" in p for p in problems), problems  # a stacked table's column name on a phone
        assert len(problems) == 3, problems
    finally:
        page.close()


def test_a_chinese_control_label_on_an_english_page_is_caught_but_a_term_the_message_quotes_is_not(browser):
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            """<html lang="en"><body>
            <p>Please fill in <label>权重</label></p>
            <p><button>移除</button></p>
            <table><tr><th>Domestic product (本国产品)</th><td data-label="单位">MPa</td></tr></table>
            </body></html>"""
        )
        problems = untranslated(page.evaluate(_TEXTS_JS), language="en", allowed=[])
        assert sorted(p.split(": ", 1)[1] for p in problems) == [
            "'Please fill in 权重'",
            "'单位'",
            "'权重'",
            "'移除'",
        ]
    finally:
        page.close()


def test_a_button_or_navigation_label_cut_off_on_a_phone_is_caught(browser):
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            """<html lang="en"><body>
            <nav><a class="nav-link" style="display: block; width: 40px; overflow: hidden; white-space: nowrap"
               href="/x">Statistics and reports</a></nav>
            <button style="width: 30px; overflow: hidden; white-space: nowrap">Compare selected</button>
            <button>OK</button>
            <nav><a href="/y">inline link</a></nav>
            </body></html>"""
        )
        cut = page.evaluate(_CUT_OFF_JS)
        assert len(cut) == 2, cut
        assert "Statistics and reports" in cut[0] and "Compare selected" in cut[1]
    finally:
        page.close()


def test_a_short_heading_broken_over_lines_is_caught(browser):
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(
            """<html lang="zh-hans"><body><table><tr>
            <th style="width: 1px">权重</th><th style="white-space: nowrap; width: 1px">类型</th>
            <th>一个很长很长的表头文字可以换行</th></tr></table>
            <nav><a class="nav-link" style="display: block" href="/n">通知
              <span class="badge rounded-pill bg-danger">4<span class="visually-hidden"> 未读</span></span></a></nav>
            </body></html>"""
        )
        assert page.evaluate(_WRAPPED_JS) == ['th "权重" on 2 lines']
    finally:
        page.close()
