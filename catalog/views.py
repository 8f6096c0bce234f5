"""Catalog pages: browse, category tree, product detail, the manufacturer dashboard, import, evaluations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from catalog import domestic, importing, policies, selectors, services
from catalog.api.views import acting_user, file_response, template_response
from catalog.forms import (
    DocumentForm,
    DocumentReplaceForm,
    EvaluationForm,
    ImportForm,
    ProductFilterForm,
    ProductForm,
    SpecificationForm,
)
from catalog.models import Category, Product, ProductDocument
from catalog.specvalues import display_value
from catalog.values import display_unit
from config.api.downloads import download_page_links
from config.confirm import Confirmation, confirmation_page, is_confirmed
from config.exceptions import ApplicationError
from search.selectors import SearchQuery, search

PAGE_SIZE = 25


def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    filters = form.product_filters()
    text = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    page_number = _page_number(request)
    result = None
    page: Page[Any]
    sort = form.sort_key()
    if text:
        result = search(
            SearchQuery(
                kind="products",
                text=text,
                filters=filters.as_search_filters(),
                facets=("category", "domestic", "province", "manufacturer"),
                page=page_number,
                page_size=PAGE_SIZE,
                sort=sort,
            )
        )
        products = selectors.product_list_by_ids(user=request.user, ids=result.ids)
        page = Paginator(range(result.total), PAGE_SIZE).get_page(page_number)
        facets = result.facets
    else:
        queryset = selectors.product_list(user=request.user, filters=filters).filter(status=Product.Status.PUBLISHED)
        page = Paginator(selectors.product_order(queryset, sort), PAGE_SIZE).get_page(page_number)
        products = list(page.object_list)
        # Browsing without words: the facets come from the same rows, so they show before anything is typed.
        facets = selectors.product_facets(queryset)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/product_list.html",
        {
            "form": form,
            "products": products,
            "page": page,
            "result": result,
            "facets": facets,
            "text": text,
            "querystring": query.urlencode(),
            "downloads": download_page_links("product", {**filters.as_search_filters(), "q": text}),
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def category_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/category_tree.html", {"nodes": selectors.category_tree()})


def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(user=request.user, pk=pk)
    if product is None:
        raise Http404
    specifications = [
        {
            "parameter": spec.parameter,
            "display": display_value(spec.parameter, spec),
            "spec": spec,
            "entered_unit": display_unit(spec.entered_unit),
        }
        for spec in product.specifications.all()
    ]
    alternatives = [] if product.is_domestic else selectors.product_domestic_alternatives(product=product)
    compare_ids = ",".join(str(pk) for pk in [product.pk, *(a.pk for a in alternatives[: selectors.MAX_COMPARED - 1])])
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "specifications": specifications,
            "alternatives": alternatives,
            "compare_ids": compare_ids,
            "can_manage": policies.can_manage_product(request.user, product),
            "can_evaluate": policies.can_evaluate_product(request.user, product),
            "domestic_percent": round(float(product.domestic_content) * 100),
            "domestic_status": domestic.status_on(product),
            "can_see_history": policies.can_see_product_history(request.user, product),
        },
    )


@require_GET
def product_compare(request: HttpRequest) -> HttpResponse:
    """Products side by side (``?ids=1,2,3`` or the ticked boxes of a list: ``?ids=1&ids=2``); no script needed."""
    try:
        ids = selectors.comparison_ids(request.GET.getlist("ids"))
        comparison = selectors.product_comparison(user=request.user, ids=ids)
    except ApplicationError as exc:
        return render(request, "catalog/product_compare.html", {"error": exc.message}, status=400)
    differences_only = request.GET.get("differences") == "1"
    rows = comparison.specifications
    # Where each product stands against the domestic rule today, with the reason (a ratio missed, say).
    rules = domestic.RuleBook.load()
    return render(
        request,
        "catalog/product_compare.html",
        {
            "comparison": comparison,
            "domestic_statuses": [
                (product, domestic.status_on(product, rules=rules)) for product in comparison.products
            ],
            "specifications": [row for row in rows if row.differs] if differences_only else rows,
            "facts": comparison.facts,
            "differences_only": differences_only,
            "ids_param": ",".join(str(product.pk) for product in comparison.products),
        },
    )


# --- Manufacturer dashboard ---------------------------------------------------------------------------------


def _managed_product(request: HttpRequest, pk: int) -> Product:
    """Someone else's product is a 404 here: its drafts must not even be confirmed to exist."""
    product = selectors.product_get_for_manager(user=request.user, pk=pk)
    if product is None:
        raise Http404
    return product


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    manufacturers = selectors.user_manufacturers(user=request.user)
    return render(
        request,
        "catalog/dashboard.html",
        {
            "products": selectors.product_list_for_manager(user=request.user),
            "manufacturers": manufacturers,
            "export_categories": selectors.user_product_categories(user=request.user),
        },
    )


@login_required
@require_GET
def product_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The user's products of one category in the import format, to edit offline and import again."""
    category = get_object_or_404(Category, pk=pk)
    fmt = "csv" if fmt == "csv" else "xlsx"
    products = selectors.product_list_for_export(user=request.user, category=category)
    return file_response(
        importing.products_export(category=category, products=products, fmt=fmt),
        fmt=fmt,
        filename=f"my-products-{category.code}.{fmt}",
    )


def _spec_form(
    request: HttpRequest, category: Category | None, product: Product | None, *, bound: bool
) -> SpecificationForm | None:
    if category is None:
        return None
    parameters = selectors.category_parameters(category)
    existing = list(product.specifications.all()) if product is not None else None
    return SpecificationForm(request.POST if bound else None, parameters=parameters, specifications=existing)


def _category_from(request: HttpRequest, form: ProductForm, product: Product | None) -> Category | None:
    raw = request.POST.get("category") if request.method == "POST" else None
    if raw:
        return Category.objects.filter(pk=raw).first() if raw.isdecimal() else None
    return product.category if product is not None else None


def _apply_error(form: ProductForm, spec_form: SpecificationForm | None, exc: ApplicationError) -> None:
    if exc.field == "specifications" and spec_form is not None and "specifications" in exc.extra:
        spec_form.add_service_errors(exc.extra["specifications"])
    elif exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        form.add_error(None, exc.message)


def _product_form_page(request: HttpRequest, product: Product | None) -> HttpResponse:
    manufacturers = selectors.user_manufacturers(user=request.user)
    if product is None and not manufacturers.exists():
        raise PermissionDenied(_("Only members of a manufacturer can add products."))
    initial = ProductForm.initial_for(product) if product is not None else {}
    if product is None and manufacturers.count() == 1:
        initial["manufacturer"] = manufacturers.first()
    bound = request.method == "POST"
    form = ProductForm(request.POST if bound else None, manufacturers=manufacturers, initial=initial)
    if product is not None:
        form.fields["manufacturer"].disabled = True
    category = _category_from(request, form, product)
    same_category = product is not None and category is not None and category.pk == product.category_id
    spec_form = _spec_form(request, category, product if same_category else None, bound=bound)
    if bound and form.is_valid() and (spec_form is None or spec_form.is_valid()):
        specifications = spec_form.specifications() if spec_form is not None else []
        try:
            if product is None:
                product = services.product_create(
                    user=acting_user(request),
                    manufacturer=form.cleaned_data["manufacturer"],
                    specifications=specifications,
                    provinces_served=form.cleaned_data["provinces_served"],
                    **form.service_fields(),
                )
                messages.success(request, _("The product was saved as a draft."))
            else:
                services.product_update(
                    product=product,
                    user=acting_user(request),
                    fields=form.service_fields(),
                    specifications=specifications,
                    provinces_served=form.cleaned_data["provinces_served"],
                )
                messages.success(request, _("The product was saved."))
            return redirect("catalog:dashboard")
        except ApplicationError as exc:
            _apply_error(form, spec_form, exc)
    return render(request, "catalog/product_form.html", {"form": form, "spec_form": spec_form, "product": product})


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    return _product_form_page(request, None)


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _product_form_page(request, _managed_product(request, pk))


@login_required
@require_GET
def specification_form(request: HttpRequest) -> HttpResponse:
    """The specification fields of a category (htmx swaps them in when the category changes)."""
    raw = request.GET.get("category", "")
    category = Category.objects.filter(pk=raw).first() if raw.isdecimal() else None
    product = None
    if request.GET.get("product", "").isdecimal():
        product = selectors.product_get_for_manager(user=request.user, pk=int(request.GET["product"]))
    same = product is not None and category is not None and product.category_id == category.pk
    spec_form = _spec_form(request, category, product if same else None, bound=False)
    return render(request, "catalog/_specification_form.html", {"spec_form": spec_form})


@login_required
@require_POST
def product_publish(request: HttpRequest, pk: int) -> HttpResponse:
    product = _managed_product(request, pk)
    try:
        services.product_publish(product=product, user=acting_user(request))
        messages.success(request, _("The product is published."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def product_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    product = _managed_product(request, pk)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                title=_("Withdraw this product?"),
                summary=_("%(product)s will be withdrawn from the catalog.")
                % {"product": f"{product.name} {product.model_number}"},
                consequences=[
                    _("It leaves the catalog and search, and no longer matches open demands."),
                    _("Researchers who were shown it as a match no longer see it; quotes already sent stay."),
                    _("You can publish it again later; it is then matched again."),
                ],
                button=_("Withdraw the product"),
                cancel_url=reverse("catalog:dashboard"),
            ),
        )
    try:
        services.product_withdraw(product=product, user=acting_user(request))
        messages.success(request, _("The product is withdrawn."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog:dashboard")


@login_required
def product_documents(request: HttpRequest, pk: int) -> HttpResponse:
    product = _managed_product(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_document_add(
                product=product,
                user=acting_user(request),
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
            )
            messages.success(request, _("The document was uploaded."))
            return redirect("catalog:product-documents", pk=product.pk)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return _documents_page(request, product, form=form)


def _documents_page(
    request: HttpRequest,
    product: Product,
    *,
    form: DocumentForm | None = None,
    replacing: int | None = None,
    replace_form: DocumentReplaceForm | None = None,
) -> HttpResponse:
    status = 400 if (form is not None and form.errors) or (replace_form is not None and replace_form.errors) else 200
    return render(
        request,
        "catalog/product_documents.html",
        {
            "product": product,
            "form": form or DocumentForm(),
            "replacing": replacing,
            "replace_form": replace_form or DocumentReplaceForm(),
        },
        status=status,
    )


def _managed_document(request: HttpRequest, product: Product, document_pk: int) -> ProductDocument:
    document = selectors.product_document_get_for_manager(user=request.user, product=product, pk=document_pk)
    if document is None:
        raise Http404
    return document


@login_required
@require_POST
def product_document_replace(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """A new file in place of a document's: its kind and title stay, the old file goes."""
    product = _managed_product(request, pk)
    document = _managed_document(request, product, document_pk)
    form = DocumentReplaceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.product_document_replace(
                document=document, user=acting_user(request), file=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("The document was replaced."))
            return redirect("catalog:product-documents", pk=product.pk)
    return _documents_page(request, product, replacing=document.pk, replace_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def product_document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    product = _managed_product(request, pk)
    document = _managed_document(request, product, document_pk)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                title=_("Delete this document?"),
                summary=_("“%(document)s” (%(kind)s) will be removed from %(product)s.")
                % {
                    "document": document.title or document.file.name.rsplit("/", 1)[-1],
                    "kind": document.get_kind_display(),
                    "product": f"{product.name} {product.model_number}",
                },
                consequences=[_("The file is deleted; buyers no longer see it on the product page.")],
                button=_("Delete the document"),
                cancel_url=reverse("catalog:product-documents", args=[product.pk]),
            ),
        )
    services.product_document_delete(document=document, user=acting_user(request))
    messages.success(request, _("The document was deleted."))
    return redirect("catalog:product-documents", pk=product.pk)


@login_required
def product_import(request: HttpRequest) -> HttpResponse:
    manufacturers = selectors.user_manufacturers(user=request.user)
    if not manufacturers.exists():
        raise PermissionDenied(_("Only members of a manufacturer can import products."))
    form = ImportForm(request.POST or None, request.FILES or None, manufacturers=manufacturers)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = importing.products_import(
                manufacturer=form.cleaned_data["manufacturer"],
                user=acting_user(request),
                filename=upload.name,
                data=importing.products_upload_read(upload),
                atomic=form.cleaned_data["atomic"],
                publish=form.cleaned_data["publish"],
            )
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        if report is not None and report.written and not report.errors:
            messages.success(
                request,
                _("%(created)s products created, %(updated)s updated.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("catalog:dashboard")
    return render(
        request,
        "catalog/product_import.html",
        {"form": form, "report": report, "categories": Category.objects.order_by("path")},
    )


@require_GET
def import_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return template_response(get_object_or_404(Category, pk=pk), fmt)


@login_required
def evaluation_create(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(user=request.user, pk=pk)
    if product is None or not product.is_published:
        raise Http404
    organizations = Organization.objects.filter(
        memberships__user=acting_user(request),
        kind__in=[Organization.Kind.INSTITUTION, Organization.Kind.AGENCY],
        is_verified=True,
    )
    form = EvaluationForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_create(user=acting_user(request), product=product, **form.cleaned_data)
            messages.success(request, _("Thank you: the evaluation is recorded."))
            return redirect("catalog:product-detail", pk=product.pk)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context: dict[str, Any] = {"product": product, "form": form}
    return render(request, "catalog/evaluation_form.html", context)
