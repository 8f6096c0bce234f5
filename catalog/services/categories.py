"""Changes to the classification table; ``path`` and ``depth`` are derived here and nowhere else."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from config.exceptions import ApplicationError


@transaction.atomic
def category_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    parent: Category | None = None,
    cpv_code: str = "",
    hs_code: str = "",
    domestic_threshold: Decimal | None = None,
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
        domestic_threshold=domestic_threshold,
        sort_order=sort_order,
        path=f"{parent.path}/{code}" if parent else code,
        depth=parent.depth + 1 if parent else 0,
    )
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_move(*, category: Category, parent: Category | None) -> Category:
    """Re-parent a category and rewrite the paths of its whole subtree."""
    if parent is not None and (parent.pk == category.pk or parent.path.startswith(category.path + "/")):
        raise ApplicationError(_("A category cannot be moved under itself."), field="parent")
    old_path = category.path
    new_path = f"{parent.path}/{category.code}" if parent else category.code
    depth_shift = (parent.depth + 1 if parent else 0) - category.depth
    descendants = list(Category.objects.select_for_update().filter(path__startswith=old_path + "/"))
    category.parent = parent
    category.path = new_path
    category.depth += depth_shift
    category.save(update_fields=["parent", "path", "depth"])
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
        node.depth += depth_shift
    Category.objects.bulk_update(descendants, ["path", "depth"])
    return category
