"""The translation catalogs themselves, and texts that come from outside them (countries, password rules)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from django.utils import translation
from django_countries import countries

from tests.po import CATALOGS, all_entries, messages_used_in, read_catalog, source_folders

CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_catalog_entry_is_translated_and_none_is_fuzzy():
    # given every entry of the project's catalogs
    entries = all_entries()
    assert len(CATALOGS) >= 6 and len(entries) > 1000
    # then each has a Chinese translation a person confirmed (gettext ignores fuzzy ones)
    untranslated = [f"{path}: {e.msgid!r}" for path, e in entries if not e.is_translated]
    fuzzy = [f"{path}: {e.msgid!r}" for path, e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_every_message_of_the_source_is_translated_in_its_own_apps_catalog():
    # given every message each app's Python and templates mark for translation (and those of config/ and
    # templates/, whose catalog is the project's)
    folders = source_folders()
    assert {folder.name for folder, _catalogs in folders} >= {"accounts", "catalog", "config", "templates"}
    missing = []
    used = 0
    for folder, catalogs in folders:
        translated = {
            (entry.msgctxt, entry.msgid, entry.msgid_plural)
            for path in catalogs
            for entry in read_catalog(path)
            if entry.is_translated and "fuzzy" not in entry.flags
        }
        for message in messages_used_in(folder):
            used += 1
            if (message.msgctxt, message.msgid, message.msgid_plural) not in translated:
                missing.append(f"{message.path}:{message.line}: {message.msgid!r}")
    # then each has a Chinese translation in the app's own catalog or the project's: one only another app's
    # catalog translates would turn English the day that app's message changes or goes
    assert used > 1000
    assert sorted(set(missing)) == []


def test_a_message_has_one_translation_across_the_catalogs():
    # given the same English message in several apps' catalogs
    translations: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
    for _path, entry in all_entries():
        translations[(entry.msgctxt, entry.msgid)].add(tuple(entry.msgstr))
    # then they agree: gettext merges the catalogs and only one of them would show, wherever the message is used
    # (the catalog's "Report" was once 导入报告 on the public report list)
    conflicting = {key: sorted(found) for key, found in translations.items() if len(found) > 1}
    assert conflicting == {}


def test_a_message_appears_once_per_catalog():
    for path in CATALOGS:
        seen: set[tuple[str, str]] = set()
        for entry in read_catalog(path):
            key = (entry.msgctxt, entry.msgid)
            assert key not in seen, f"{path}: {entry.msgid!r} twice"
            seen.add(key)


def test_chinese_country_names_are_correct_and_complete():
    with translation.override("zh-hans"):
        names = {code: str(name) for code, name in countries}
    # the misspellings of django-countries' catalog are corrected
    assert names["NP"] == "尼泊尔"
    assert names["TJ"] == "塔吉克斯坦"
    assert names["BA"] == "波斯尼亚和黑塞哥维那"
    # and no country goes by another's name
    assert names["WS"] == "萨摩亚" and names["AS"] == "美属萨摩亚"
    assert names["DM"] == "多米尼克" and names["DO"] == "多米尼加共和国"
    assert names["KR"] == "韩国" and names["KP"] == "朝鲜"
    assert names["TW"] == "中国台湾" and names["HK"] == "中国香港"
    # every name is in Chinese (none falls back to English), and no two countries share one
    assert [code for code, name in names.items() if not CJK.search(name)] == []
    assert len(set(names.values())) == len(names)
    assert names["KG"] == "吉尔吉斯斯坦" and names["KM"] == "科摩罗" and names["BW"] == "博茨瓦纳"


def test_english_country_names_are_english():
    with translation.override("en"):
        assert countries.name("NR") == "Nauru"
        assert countries.name("NP") == "Nepal"


@pytest.mark.django_db
def test_password_rules_are_chinese_on_the_chinese_sign_up_page(client, settings):
    # given the sign-up page in Chinese
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/accounts/signup/").content.decode()
    # then the password rules are shown, in Chinese
    assert "你的密码必须包含至少 8 个字符" in page
    # when a too short, common, numeric password is submitted
    response = client.post(
        "/accounts/signup/",
        {"email": "a@example.org", "full_name": "甲", "password1": "1234", "password2": "1234", "mode": "create"},
    )
    html = response.content.decode()
    # then every rule it breaks is explained in Chinese
    assert "密码太短，至少需要 8 个字符。" in html
    assert "This password is too short" not in html
    assert "这个密码太常见了。" in html
