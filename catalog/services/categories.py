"""Changes to the classification table; ``path`` and ``depth`` are derived here and nowhere else.

Every subtree query reads ``path`` (see ``catalog.selectors.category_subtree_q``), so the admin, the data
migrations and any future page change categories only through these services. A move or a new name is
recorded in the change outbox (entity ``category``, with the path the category had before): search indexes again
every product and demand at or below it, whose documents carry the path and names, and matching forgets the
candidate pools of the subtrees that gained or lost products and re-matches their open demands.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from catalog.selectors import category_is_within, category_subtree_q
from catalog.services.products import products_domestic_refresh
from changes.services import change_record
from config.exceptions import ApplicationError
from search.registry import CATEGORY_ENTITY

# What may change in place; code, parent and path change only by category_move (the code never).
CATEGORY_EDITABLE_FIELDS = ("name_zh", "name_en", "cpv_code", "hs_code", "sort_order")
_INDEXED_FIELDS = {"name_zh", "name_en"}


@transaction.atomic
def category_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    parent: Category | None = None,
    cpv_code: str = "",
    hs_code: str = "",
    sort_order: int = 0,
) -> Category:
    code = code.strip()
    if not code or "/" in code:
        raise ApplicationError(_("A category code cannot be empty or contain '/'."), field="code")
    if Category.objects.filter(code=code).exists():
        raise ApplicationError(_("A category with this code already exists."), field="code")
    category = Category(
        code=code,
        parent=parent,
        name_zh=name_zh,
        name_en=name_en,
        cpv_code=cpv_code,
        hs_code=hs_code,
        sort_order=sort_order,
        path=f"{parent.path}/{code}" if parent else code,
        depth=parent.depth + 1 if parent else 0,
    )
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, **fields: Any) -> Category:
    """Change a category's names, crosswalk codes or order (not its code or place in the tree).

    New names are re-indexed with the subtree's products and demands.
    """
    unknown = set(fields) - set(CATEGORY_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    locked = Category.objects.select_for_update().get(pk=category.pk)
    changed = {name for name, value in fields.items() if getattr(locked, name) != value}
    for name in changed:
        setattr(locked, name, fields[name])
    locked.full_clean()
    locked.save()
    if changed & _INDEXED_FIELDS:
        change_record(
            entity=CATEGORY_ENTITY, ids=[locked.pk], fields=["names"], category_paths={locked.pk: locked.path}
        )
    return locked


@transaction.atomic
def category_move(*, category: Category, parent: Category | None) -> Category:
    """Re-parent a category and rewrite the paths of its whole subtree.

    The move is recorded in the change outbox: the subtree's products and demands are indexed again (their
    documents carry the path), and the candidate pools of the old ancestors (which lost products) and of the new
    ones (which gained them) are forgotten and their open demands re-matched.
    """
    category = Category.objects.select_for_update().get(pk=category.pk)
    if parent is not None:
        parent = Category.objects.get(pk=parent.pk)
        if category_is_within(parent, category):
            raise ApplicationError(_("A category cannot be moved under itself."), field="parent")
    if (parent.pk if parent is not None else None) == category.parent_id:
        return category  # already there
    old_path = category.path
    new_path = f"{parent.path}/{category.code}" if parent else category.code
    depth_shift = (parent.depth + 1 if parent else 0) - category.depth
    descendants = list(
        Category.objects.select_for_update().filter(category_subtree_q(category, prefix="")).exclude(pk=category.pk)
    )
    category.parent = parent
    category.path = new_path
    category.depth += depth_shift
    category.save(update_fields=["parent", "path", "depth"])
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
        node.depth += depth_shift
    Category.objects.bulk_update(descendants, ["path", "depth"])
    # The change carries the old path: the indexed documents and the pools of the old ancestors are found by it.
    change_record(entity=CATEGORY_ENTITY, ids=[category.pk], fields=["path"], category_paths={category.pk: old_path})
    # Under new ancestors another domestic-product rule may be in force.
    products_domestic_refresh(category=category)
    return category
