"""Bulk import and export of products as CSV or XLSX (one row a product, one column a field or parameter).

Headers name product fields or parameter keys; a parameter column may carry its unit in brackets
(``pressure_max [MPa]``), otherwise each cell may carry its own (``40 MPa``) or the canonical unit applies.
Rows are validated first, all of them, so a report lists every bad row; writing then happens in chunks with bulk
operations (a handful of queries per chunk, never per row). Rows are matched to existing products by model
number (upsert).
"""

from catalog.importing.export import products_export, template_columns
from catalog.importing.rows import PRODUCT_COLUMNS, ImportReport
from catalog.importing.writer import products_import, products_upload_read
from catalog.tabular import RowError

__all__ = [
    "PRODUCT_COLUMNS",
    "ImportReport",
    "RowError",
    "products_export",
    "products_import",
    "products_upload_read",
    "template_columns",
]
