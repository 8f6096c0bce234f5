"""The CSV/XLSX framework: the formula guard on everything written, and reading uploads back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog import tabular
from config.exceptions import ApplicationError

DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
HARMLESS = ["HPLC", "LC-2030", "", 40, -5.5, None]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_text_is_quoted_in_csv_and_xlsx(text):
    written_csv = list(csv.reader(io.StringIO(tabular.csv_bytes([[text]]).decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(tabular.xlsx_bytes([("s", [[text]])])), read_only=True)
    written_xlsx = next(workbook["s"].iter_rows(values_only=True))
    assert written_csv[0][0] == "'" + text
    # XML reads a carriage return back as a line feed; what matters is the quote in front
    assert written_xlsx[0] == "'" + text.replace("\r", "\n")


@pytest.mark.parametrize("value", HARMLESS)
def test_other_cells_are_written_as_they_are(value):
    assert tabular.guard_cells([value]) == [value]


def test_csv_bytes_start_with_a_byte_order_mark_for_spreadsheets():
    assert tabular.csv_bytes([["名称"]]).startswith("\ufeff".encode())


@pytest.mark.parametrize(("text", "formula"), [("=A1", True), ("@x", True), ("-5", False), ("+3.5 MPa", False)])
def test_is_formula_tells_formulas_from_signed_numbers(text, formula):
    assert tabular.is_formula(text) is formula


def test_a_guarded_cell_reads_back_as_the_text_it_was():
    written = tabular.csv_bytes([["h"], ["=1+2"]])
    table = tabular.read_table(filename="x.csv", data=written, max_bytes=1000, max_rows=10)
    assert [texts for _number, _cells, texts in tabular.data_rows(table.body)] == [["=1+2"]]


def test_data_rows_skip_blank_rows_and_count_from_the_header():
    table = tabular.read_table(filename="x.csv", data=b"a,b\n1,2\n,\n3,4\n", max_bytes=1000, max_rows=10)
    assert [(number, texts) for number, _cells, texts in tabular.data_rows(table.body)] == [
        (2, ["1", "2"]),
        (4, ["3", "4"]),
    ]


def test_gb18030_csv_is_read():
    table = tabular.read_table(filename="x.csv", data="名称\n质谱仪\n".encode("gb18030"), max_bytes=100, max_rows=10)
    assert table.header == ("名称",)


@pytest.mark.parametrize(
    ("names", "required", "message"),
    [(["a", "b"], ["c"], "lacks these columns: c"), (["a", "b", "a"], [], "more than once: a")],
)
def test_check_columns(names, required, message):
    with pytest.raises(ApplicationError, match=message) as excinfo:
        tabular.check_columns(names, required=required)
    assert excinfo.value.field == "file"
