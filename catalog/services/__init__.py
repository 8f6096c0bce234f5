"""Every state change of the catalog: categories, products and their specifications, documents, evaluations."""

from catalog.services.categories import CATEGORY_EDITABLE_FIELDS, category_create, category_move, category_update
from catalog.services.documents import product_document_add, product_document_delete, product_document_replace
from catalog.services.domestic_rules import (
    DOMESTIC_RULE_ENTITY,
    domestic_rule_changes_apply,
    domestic_rule_create,
    domestic_rule_delete,
    domestic_rule_update,
)
from catalog.services.evaluations import evaluation_create, product_evaluations_refresh
from catalog.services.products import (
    product_create,
    product_publish,
    product_specifications_set,
    product_update,
    product_withdraw,
    products_delete,
    products_domestic_refresh,
)

__all__ = [
    "CATEGORY_EDITABLE_FIELDS",
    "DOMESTIC_RULE_ENTITY",
    "category_create",
    "category_move",
    "category_update",
    "domestic_rule_changes_apply",
    "domestic_rule_create",
    "domestic_rule_delete",
    "domestic_rule_update",
    "evaluation_create",
    "product_create",
    "product_document_add",
    "product_document_delete",
    "product_document_replace",
    "product_evaluations_refresh",
    "product_publish",
    "product_specifications_set",
    "product_update",
    "product_withdraw",
    "products_delete",
    "products_domestic_refresh",
]
