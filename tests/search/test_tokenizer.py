from __future__ import annotations

from search.tokenizer import (
    QueryToken,
    Synonyms,
    document_tokens,
    highlight,
    highlight_terms,
    model_key,
    query_tokens,
    tsquery,
)


def test_document_tokens_are_cjk_bigrams_plus_the_final_character():
    assert document_tokens("高效液相色谱仪") == ["高效", "效液", "液相", "相色", "色谱", "谱仪", "仪"]


def test_query_bigrams_are_a_subset_of_the_document_bigrams_for_a_substring():
    document = set(document_tokens("高效液相色谱仪"))
    assert {t.text for t in query_tokens("液相色谱")} <= document


def test_full_width_letters_and_case_are_folded():
    assert document_tokens("ＨＰＬＣ Detector") == ["hplc", "detector"]


def test_model_numbers_give_parts_and_joined_form_but_queries_use_the_joined_form():
    assert document_tokens("LC-2030C") == ["lc", "2030c", "lc2030c"]
    assert query_tokens("LC-2030C") == [QueryToken("lc2030c", prefix=True)]


def test_one_character_query_is_a_prefix_token():
    assert query_tokens("泵") == [QueryToken("泵", prefix=True)]


def test_stop_words_are_dropped_from_queries():
    assert [t.text for t in query_tokens("pump for the lab")] == ["pump", "lab"]


def test_model_key_keeps_letters_and_digits_only():
    assert model_key(" lc-2030 C ") == "lc2030c"


def test_tsquery_quotes_lexemes_and_marks_prefixes():
    assert tsquery([QueryToken("o'k", prefix=True), QueryToken("液相")]) == "'o''k':* & '液相'"


def test_synonyms_find_groups_by_abbreviation_chinese_and_english_phrase():
    synonyms = Synonyms.from_lines(["# comment", "hplc, 高效液相色谱仪, liquid chromatograph", "gc-ms, 气质联用仪"])
    assert "高效液相色谱仪" in synonyms.expansions("Model HPLC-free text? no: HPLC system")
    assert "hplc" in synonyms.expansions("新型高效液相色谱仪")
    assert "hplc" in synonyms.expansions("A Liquid-Chromatograph")
    assert "气质联用仪" in synonyms.expansions("GC/MS")


def test_synonyms_respect_latin_word_boundaries():
    synonyms = Synonyms.from_lines(["sem, 扫描电镜"])
    assert synonyms.expansions("semiconductor system") == []
    assert synonyms.expansions("SEM-4000") == ["sem", "扫描电镜"]


def test_solr_rules_round_trip_groups():
    assert Synonyms.from_lines(["A, b ,C"]).solr_rules() == ["a, b, c"]


def test_highlight_escapes_html_and_marks_terms():
    assert highlight("<b>高效液相色谱仪</b>", ["液相色谱"]) == "&lt;b&gt;高效<mark>液相色谱</mark>仪&lt;/b&gt;"
    assert highlight("nothing here", ["液相"]) is None


def test_highlight_marks_latin_terms_across_separators_only_on_word_boundaries():
    assert highlight("A GC-MS and a GCMSX", ["gc ms"]) == "A <mark>GC-MS</mark> and a GCMSX"


def test_highlight_fragment_keeps_a_window_around_the_first_match():
    text = "前" * 200 + "液相色谱" + "后" * 200
    fragment = highlight(text, ["液相色谱"], fragment_chars=60)
    assert fragment is not None
    assert fragment.startswith("…") and fragment.endswith("…")
    assert "<mark>液相色谱</mark>" in fragment
    assert len(fragment) < 100


def test_highlight_terms_include_synonyms_of_the_query():
    synonyms = Synonyms.from_lines(["hplc, 高效液相色谱仪"])
    assert highlight_terms("HPLC", synonyms) == ["hplc", "高效液相色谱仪"]
