"""Elasticsearch index definitions: analysis chain and document mappings (elasticsearch-dsl).

Chinese needs no plugin: the standard tokenizer emits one token per CJK character, ``cjk_width`` folds
full-width forms, and ``cjk_bigram`` joins neighbours into bigrams (the same scheme as the database backend's
tokenizer). A ``unigram`` sub-field keeps single characters for one-character queries; an ``en`` sub-field
applies English stemming; model numbers have a normalized keyword sub-field for exact matches. Synonyms come
from ``settings.SEARCH_SYNONYMS_FILE`` and are applied at search time (``synonym_graph``), so editing the list
needs no reindex.
"""

from __future__ import annotations

from typing import Any

from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Double,
    Index,
    Keyword,
    Long,
    MetaField,
    Object,
    Text,
    analyzer,
    char_filter,
    normalizer,
    token_filter,
)

from search.documents import SearchDocument, synonyms


def _synonym_filter() -> Any:
    # Rules are inlined rather than referenced by path: the file lives with the code, not on the ES nodes.
    return token_filter("instrument_synonyms", type="synonym_graph", synonyms=synonyms().solr_rules(), lenient=True)


cjk_index = analyzer("cjk_index", tokenizer="standard", filter=["cjk_width", "lowercase", "cjk_bigram"])
cjk_unigram = analyzer("cjk_unigram", tokenizer="standard", filter=["cjk_width", "lowercase"])
english_index = analyzer(
    "english_index",
    tokenizer="standard",
    filter=[
        "cjk_width",
        "lowercase",
        token_filter("english_possessive", type="stemmer", language="possessive_english"),
        token_filter("english_stop", type="stop", stopwords="_english_"),
        token_filter("english_stemmer", type="stemmer", language="english"),
    ],
)
model_number_normalizer = normalizer(
    "model_number_normalizer",
    # LC-2030, lc 2030 and LC2030 are one model.
    char_filter=[char_filter("drop_separators", type="pattern_replace", pattern="[^\\p{L}\\p{N}]", replacement="")],
    filter=["lowercase"],
)


def cjk_search_analyzer() -> Any:
    # Synonyms run before cjk_bigram: rules are parsed by the chain up to the synonym filter (characters),
    # and multi-character terms then become bigrams like the indexed text.
    return analyzer(
        "cjk_search", tokenizer="standard", filter=["cjk_width", "lowercase", _synonym_filter(), "cjk_bigram"]
    )


def english_search_analyzer() -> Any:
    return analyzer(
        "english_search",
        tokenizer="standard",
        filter=[
            "cjk_width",
            "lowercase",
            _synonym_filter(),
            token_filter("english_possessive", type="stemmer", language="possessive_english"),
            token_filter("english_stemmer", type="stemmer", language="english"),
        ],
    )


def text_field() -> Any:
    """Chinese-or-English text: bigrams (with synonyms at search time), unigrams, and English stems."""
    return Text(
        analyzer=cjk_index,
        search_analyzer=cjk_search_analyzer(),
        fields={
            "unigram": Text(analyzer=cjk_unigram),
            "en": Text(analyzer=english_index, search_analyzer=english_search_analyzer()),
        },
    )


# Specifications become typed fields: numbers under spec.<key> (ranges as spec.<key>_min/_max), choices under
# spec_text.<key>, yes/no under spec_bool.<key>. Dynamic templates type each new key on first sight.
SPEC_TEMPLATES = [
    {"spec_numbers": {"path_match": "spec.*", "mapping": {"type": "double"}}},
    {"spec_choices": {"path_match": "spec_text.*", "mapping": {"type": "keyword"}}},
    {"spec_booleans": {"path_match": "spec_bool.*", "mapping": {"type": "boolean"}}},
]


class ProductIndexDocument(Document):
    object_id = Long()
    name_zh = text_field()
    name_en = text_field()
    model_number = Text(analyzer=cjk_unigram, fields={"keyword": Keyword(normalizer=model_number_normalizer)})
    description_zh = text_field()
    description_en = text_field()
    category_id = Long()
    category_path = Keyword()
    category_name = text_field()
    manufacturer_id = Long()
    manufacturer_name = text_field()
    is_domestic = Boolean()
    provinces = Keyword()
    price_min = Double()
    price_max = Double()
    status = Keyword()
    sort_date = Date()
    spec = Object(dynamic=True)
    spec_text = Object(dynamic=True)
    spec_bool = Object(dynamic=True)

    class Meta:
        dynamic_templates = MetaField(SPEC_TEMPLATES)


class DemandIndexDocument(Document):
    object_id = Long()
    title = text_field()
    description = text_field()
    category_id = Long()
    category_path = Keyword()
    category_name = text_field()
    institution_id = Long()
    institution_name = text_field()
    provinces = Keyword()
    budget = Double()
    deadline = Date()
    status = Keyword()
    sort_date = Date()


DOCUMENT_CLASSES: dict[str, type[Document]] = {"products": ProductIndexDocument, "demands": DemandIndexDocument}
# Highlighted fields per kind; a hit in a sub-field (name_zh.unigram) is reported under its field.
HIGHLIGHT_FIELDS = {
    "products": ("name_zh", "name_en", "description_zh", "description_en"),
    "demands": ("title", "description"),
}


def index_definition(kind: str, name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_result_window=10000)
    index.document(DOCUMENT_CLASSES[kind])
    return index


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def document_body(doc: SearchDocument) -> dict[str, Any]:
    """The JSON source stored for one SearchDocument."""
    common = {
        "object_id": doc.id,
        "category_id": doc.category_id,
        "category_path": doc.category_path,
        "category_name": " / ".join(n for n in doc.category_names if n),
        "provinces": doc.provinces,
        "status": doc.status,
        "sort_date": doc.sort_date.isoformat() if doc.sort_date else None,
    }
    if doc.kind == "demands":
        return {
            **common,
            "title": doc.title_zh,
            "description": doc.description_zh,
            "institution_id": doc.organization_id,
            "institution_name": " / ".join(n for n in doc.organization_names if n),
            "budget": _number(doc.budget),
            "deadline": doc.deadline.isoformat() if doc.deadline else None,
        }
    spec: dict[str, float] = {}
    spec_text: dict[str, str] = {}
    spec_bool: dict[str, bool] = {}
    for key, value in doc.specifications.items():
        if isinstance(value, bool):
            spec_bool[key] = value
        elif isinstance(value, (int, float)):
            spec[key] = float(value)
        elif isinstance(value, tuple):
            low, high = value
            if low is not None:
                spec[f"{key}_min"] = float(low)
            if high is not None:
                spec[f"{key}_max"] = float(high)
        elif isinstance(value, str):
            spec_text[key] = value
    return {
        **common,
        "name_zh": doc.title_zh,
        "name_en": doc.title_en,
        "model_number": doc.model_number,
        "description_zh": doc.description_zh,
        "description_en": doc.description_en,
        "manufacturer_id": doc.organization_id,
        "manufacturer_name": " / ".join(n for n in doc.organization_names if n),
        "is_domestic": doc.is_domestic,
        "price_min": _number(doc.price_min),
        "price_max": _number(doc.price_max),
        "spec": spec,
        "spec_text": spec_text,
        "spec_bool": spec_bool,
    }
