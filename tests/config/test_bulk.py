"""Bulk writes through COPY: every kind of value arrives as it was given, upserts update in place."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from changes.models import Change
from config.bulk import copy_insert, copy_upsert
from search.models import SearchEntry
from tests.factories import ParameterFactory, ProductFactory


def test_copy_insert_keeps_awkward_text_json_and_nulls_and_returns_the_new_ids(db):
    now = timezone.now()
    awkward = "tab\there, new\nline, back\\slash, 引号'\"\r end"
    written = copy_insert(
        Change,
        ["entity", "object_id", "fields", "category_path", "created_at"],
        [("product", 1, ["a\tb", {"k": "\\n"}], awkward, now), ("demand", 2, [], "", now)],
        returning=["id", "object_id"],
    )
    assert sorted(object_id for _id, object_id in written) == [1, 2]
    first = Change.objects.get(pk={o: i for i, o in written}[1])
    assert first.fields == ["a\tb", {"k": "\\n"}]
    assert first.category_path == awkward
    assert first.created_at == now


def test_copy_upsert_inserts_new_rows_and_updates_existing_ones(db):
    product = ProductFactory()
    size, mode = ParameterFactory(category=product.category), ParameterFactory(category=product.category)
    columns = ["product_id", "parameter_id", "value", "value_min", "value_max", "value_text", "value_bool"]
    columns += ["entered_value", "entered_unit"]
    update = columns[2:]
    copy_upsert(
        product.specifications.model,
        columns,
        [(product.pk, size.pk, 1.5, None, None, "", None, "1.5", "mm")],
        unique=["product_id", "parameter_id"],
        update=update,
    )
    # when the same pair comes again with new values, beside a new pair
    copy_upsert(
        product.specifications.model,
        columns,
        [
            (product.pk, size.pk, None, 0.25, 1e6, "", None, "0.25-1e6", ""),
            (product.pk, mode.pk, None, None, None, "", True, "是", ""),
        ],
        unique=["product_id", "parameter_id"],
        update=update,
    )
    stored = {s.parameter_id: s for s in product.specifications.all()}
    assert len(stored) == 2
    assert (stored[size.pk].value, stored[size.pk].value_min, stored[size.pk].value_max) == (None, 0.25, 1e6)
    assert stored[size.pk].entered_value == "0.25-1e6"
    assert stored[mode.pk].value_bool is True and stored[mode.pk].entered_value == "是"


def test_copy_upsert_returns_the_written_rows_and_writes_decimals_and_dates(db):
    from decimal import Decimal

    columns = ["kind", "object_id", "price_min", "deadline", "sort_date", "province_mask", "indexed_at"]
    columns += ["model_key", "terms_title", "terms_meta", "terms_body", "category_path"]
    now = timezone.now()
    row = ("products", 7, Decimal("123456.78"), datetime.date(2027, 1, 31), now, 2**40, now, "lc2030", "", "", "", "")
    first = copy_upsert(SearchEntry, columns, [row], unique=["kind", "object_id"], update=columns[2:], returning=["id"])
    again = copy_upsert(
        SearchEntry,
        columns,
        [(*row[:2], Decimal("1.00"), *row[3:])],
        unique=["kind", "object_id"],
        update=columns[2:],
        returning=["id"],
    )
    assert first == again  # the same row, updated in place
    entry = SearchEntry.objects.get()
    assert entry.price_min == Decimal("1.00")
    assert entry.deadline == datetime.date(2027, 1, 31)
    assert entry.province_mask == 2**40


CHANGE_COLUMNS = ["id", "entity", "object_id", "fields", "category_path", "created_at"]


def _two_changes_a_day_old(*, path: str) -> tuple[datetime.datetime, int, int]:
    """Two stored changes of products 1 (fields ["a"]) and 2 (no fields) with ``path``, recorded a day ago."""
    then = timezone.now() - datetime.timedelta(days=1)
    stored_rows = [("product", 1, ["a"], path, then), ("product", 2, [], path, then)]
    [(first,), (second,)] = sorted(copy_insert(Change, CHANGE_COLUMNS[1:], stored_rows, returning=["id"]))
    return then, first, second


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_copy_upsert_with_changed_leaves_rows_that_would_stay_the_same_unwritten(db, monkeypatch, vendor):
    from django.db import connection

    # given two stored changes, each with a time it was recorded
    then, first, second = _two_changes_a_day_old(path="")
    monkeypatch.setattr(connection, "vendor", vendor)
    # when both come again with a new time, one with new fields and one as it was
    now = timezone.now()
    copy_upsert(
        Change,
        CHANGE_COLUMNS,
        [(first, "product", 1, ["a", "b"], "", now), (second, "product", 2, [], "", now)],
        unique=["id"],
        update=CHANGE_COLUMNS[3:],
        changed=["fields"],
    )
    # then only the changed row was written, its time with it; the other keeps its old time
    stored = {c.pk: c for c in Change.objects.all()}
    assert stored[first].fields == ["a", "b"] and stored[first].created_at > then
    assert (stored[second].fields, stored[second].created_at) == ([], then)


def test_copy_stream_writes_every_kind_of_value_as_postgresql_reads_it():
    import uuid
    from decimal import Decimal

    from config.bulk import _stream

    at = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)
    row = (None, True, False, 3, 0.1, Decimal("1.50"), "a\tb\\c", {"k": "x\\y\n"}, [1, "中"], at, at.date())
    row += (uuid.UUID(int=1), b"\x00\xff")
    expected = [
        "\\N",
        "t",
        "f",
        "3",
        "0.1",
        "1.50",
        "a\\tb\\\\c",
        r'{"k":"x\\\\y\\n"}',
        '[1,"中"]',
        "2026-12-02T08:30:00+00:00",
        "2026-12-02",
        "00000000-0000-0000-0000-000000000001",
        "\\\\x00ff",
    ]
    assert _stream([row]).read() == "\t".join(expected) + "\n"


def test_copy_stream_writes_json_as_the_standard_library_does_and_what_orjson_refuses_too():
    import json

    from config.bulk import _stream

    values = [
        {"preferred": 0.6234, "price": 1.0, "tiny": 1e-07, "big": 1.5e300, "neg": -0.0},
        [{"r": 12, "s": "pass", "a": 65.3, "m": 5.3}, {"r": 13, "s": "unknown", "t": "引号\"'\u2028"}],
        # Beyond orjson: an integer past 64 bits and keys that are not text.
        {"n": 2**70},
        {1: "one", None: "none"},
    ]
    lines = _stream([(value,) for value in values]).read().split("\n")[:-1]
    # COPY's text doubles backslashes; undone, each line is JSON holding the same values the standard library
    # writes (keys made text as it makes them; numbers may differ only in how an exponent is spelled).
    read = [json.loads(line.replace("\\\\", "\\")) for line in lines]
    assert read == [json.loads(json.dumps(v, ensure_ascii=False)) for v in values]
    assert lines[1] == json.dumps(values[1], ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\")


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_copy_upsert_writes_refresh_columns_alone_where_nothing_changed(db, monkeypatch, vendor):
    from django.db import connection

    # given two stored changes recorded a day ago
    then, first, second = _two_changes_a_day_old(path="old")
    monkeypatch.setattr(connection, "vendor", vendor)
    # when both come again with a new path (the refresh column) and a new time, only the first with new fields
    now = timezone.now()
    copy_upsert(
        Change,
        CHANGE_COLUMNS,
        [(first, "product", 1, ["a", "b"], "new", now), (second, "product", 2, [], "new", now)],
        unique=["id"],
        update=CHANGE_COLUMNS[3:],
        changed=["fields"],
        refresh=["category_path"],
    )
    # then the changed row is written whole; the other gets its new path and keeps its time
    stored = {c.pk: c for c in Change.objects.all()}
    assert (stored[first].fields, stored[first].category_path) == (["a", "b"], "new") and stored[
        first
    ].created_at > then
    assert (stored[second].fields, stored[second].category_path, stored[second].created_at) == ([], "new", then)


def test_copy_stream_gives_the_same_text_read_in_batches_as_read_whole():
    from config.bulk import _Stream

    at = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)
    later = at + datetime.timedelta(seconds=1)
    # a column of one type, one with nulls, one of mixed types, repeated text and times, JSON of every shape
    rows = [
        (i, None if i % 3 else at, [1, "b", True][i % 3], "pass\t" if i % 2 else "fail", {"k": [i, 0.5]}, later)
        for i in range(7)
    ]
    whole = _Stream(rows).read()
    pieces = _Stream(rows, batch=2)
    read = []
    while chunk := pieces.read(8192):
        read.append(chunk)
    assert len(read) == 4
    assert "".join(read) == whole
    assert whole.splitlines()[1] == "1\t\\N\tb\tpass\\t\t" + '{"k":[1,0.5]}\t2026-12-02T08:30:01+00:00'
    assert whole.splitlines()[2].split("\t")[1:3] == ["\\N", "t"]
    assert whole.splitlines()[3].split("\t")[1:3] == ["2026-12-02T08:30:00+00:00", "1"]


def test_copy_stream_keeps_equal_instants_in_their_own_time_zones_and_minus_zero():
    from config.bulk import _stream

    at = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)
    beijing = at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    lines = _stream([(at, 0.0), (beijing, -0.0), (at, 0.0)]).read().splitlines()
    assert lines == ["2026-12-02T08:30:00+00:00\t0.0", "2026-12-02T16:30:00+08:00\t-0.0", lines[0]]


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_id_array_filters_as_a_list_of_ids_does(db, monkeypatch, vendor):
    from django.db import connection

    from config.bulk import id_array

    products = [ProductFactory() for _ in range(3)]
    monkeypatch.setattr(connection, "vendor", vendor)
    wanted = id_array(p.pk for p in products[:2])
    assert sorted(type(products[0]).objects.filter(pk__in=wanted).values_list("pk", flat=True)) == sorted(
        p.pk for p in products[:2]
    )
