"""The import-justification dossier (its content, in Chinese and English PDFs) and the expert panel's majority."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from config.exceptions import ApplicationError
from notifications.models import Notification
from procurement import services
from procurement.models import ExpertReview, ImportJustification
from tests.factories import DemandFactory, ImportedProductFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def justification(people, setting):
    demand, quotes, _ = setting
    return services.import_justification_submit(
        demand=demand,
        user=people.users["researcher"],
        imported_product=quotes["imported"].product,
        reason="No domestic instrument is validated for our accredited pharmacopoeia method.",
        domestic_products_considered=[quotes["weak"].product],
    )


@pytest.fixture
def experts(db):
    return {"legal": UserFactory(), "product": [UserFactory() for _ in range(4)]}


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def assign(justification, people, experts, **overrides):
    kwargs = {
        "legal_experts": [experts["legal"].email],
        "product_experts": [u.email for u in experts["product"]],
    } | overrides
    return services.expert_panel_assign(justification=justification, user=people.users["staff"], **kwargs)


def test_the_dossier_fills_the_application_and_weighs_every_domestic_product(people, setting, justification):
    _demand, quotes, pressure = setting
    content = services.import_dossier_build(justification=justification, user=people.users["researcher"])
    fields = dict(content["application"]["en"])
    assert fields["Applicant"] == people.institution.name_en
    assert "IMP-1" in fields["Imported product applied for"]
    assert fields["Why no domestic product will do"].startswith("No domestic instrument")
    zh_fields = dict(content["application"]["zh-hans"])
    assert zh_fields["申请单位"] == people.institution.name_zh
    # the one named, the one quoted: each with its results against the requirements
    by_product = {row["product"]: row for row in content["domestic_products"]}
    weak, good = by_product[quotes["weak"].product_id], by_product[quotes["good"].product_id]
    assert weak["sources"] == ["considered", "quote"] and weak["failed"] == [pressure.pk]
    assert weak["cells"][0]["gap"] == pytest.approx(10)
    assert good["meets_mandatory"] is True
    assert len(content["quotes"]) == 3
    assert "does not meet" in content["opinion_draft"]["en"] and "short by 10" in content["opinion_draft"]["en"]
    justification.refresh_from_db()
    assert justification.dossier_built_at is not None and justification.dossier["justification"] == justification.pk


def test_the_dossier_pdf_reads_in_chinese_and_in_english(client, people, setting, justification):
    demand, _quotes, _ = setting
    client.force_login(people.users["researcher"])
    chinese = client.get(f"/demands/{demand.pk}/import-justification/dossier.pdf")
    assert chinese.status_code == 200 and chinese["Content-Type"] == "application/pdf"
    text = pdf_text(chinese.content)
    assert "进口产品申请表" in text and "专家论证意见" in text and "申请单位" in text
    assert people.institution.name_zh in text and "IMP-1" in text and "WEAK-1" in text
    english = pdf_text(client.get(f"/demands/{demand.pk}/import-justification/dossier.pdf?language=en").content)
    assert "Import product application" in english and "Expert opinion" in english and "short by 10" in english


def test_a_dossier_without_an_imported_quote_is_refused_with_the_reason(api_client, client, people):
    demand = DemandFactory(
        institution=people.institution,
        posted_by=people.users["researcher"],
        accepts_imported=True,
        import_reason="An imported instrument may be the only one that does.",
    )
    justification = services.import_justification_submit(
        demand=demand,
        user=people.users["researcher"],
        imported_product=ImportedProductFactory(category=demand.category),
        reason="No domestic instrument reaches the detection limit we need.",
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.import_dossier_build(justification=justification, user=people.users["researcher"])
    assert excinfo.value.field == "demand" and "No imported product was quoted" in excinfo.value.message
    api_client.force_authenticate(people.users["researcher"])
    response = api_client.get(f"/api/v1/demands/{demand.pk}/import-justification/dossier/")
    assert response.status_code == 400 and "No imported product was quoted" in response.json()["fields"]["demand"][0]
    client.force_login(people.users["researcher"])
    page = client.get(f"/demands/{demand.pk}/import-justification/dossier.pdf")
    assert page.status_code == 400 and "No imported product was quoted" in page.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "other_researcher", "maker"])
def test_only_the_buyer_staff_and_the_panel_read_the_dossier(api_client, people, setting, justification, experts, role):
    demand, _quotes, _ = setting
    url = f"/api/v1/demands/{demand.pk}/import-justification/dossier/"
    if role != "anonymous":
        api_client.force_authenticate(people.users[role])
    assert api_client.get(url).status_code in (401, 404)
    for allowed in (people.users["researcher"], people.users["staff"]):
        api_client.force_authenticate(allowed)
        assert api_client.get(url).status_code == 200
    assign(justification, people, experts)
    api_client.force_authenticate(experts["product"][0])
    body = api_client.get(url).json()
    assert body["pdf_url"].endswith("/import-justification/dossier/pdf/")
    assert api_client.get(body["pdf_url"], {"language": "en"}).status_code == 200


def test_the_panel_is_an_odd_number_of_five_or_more_with_a_legal_expert_and_outside_product_experts(
    people, justification, experts
):
    insider = member_of(people.institution)
    cases = [
        ({"product_experts": [u.email for u in experts["product"][:3]]}, "experts"),  # 4: even
        ({"product_experts": [u.email for u in experts["product"][:2]]}, "experts"),  # 3: too few
        ({"legal_experts": []}, "legal_experts"),
        ({"product_experts": [*(u.email for u in experts["product"][:3]), insider.email]}, "product_experts"),
        ({"product_experts": [*(u.email for u in experts["product"][:3]), "nobody@example.org"]}, "product_experts"),
    ]
    for overrides, field in cases:
        with pytest.raises(ApplicationError) as excinfo:
            assign(justification, people, experts, **overrides)
        assert field in excinfo.value.extra["fields"], overrides
    for role in ("researcher", "maker", "other_researcher"):
        with pytest.raises(PermissionDenied):
            services.expert_panel_assign(
                justification=justification,
                user=people.users[role],
                legal_experts=[experts["legal"].email],
                product_experts=[u.email for u in experts["product"]],
            )
    reviews = assign(justification, people, experts)
    assert len(reviews) == 5 and sum(r.role == ExpertReview.Role.LEGAL for r in reviews) == 1
    assert Notification.objects.filter(user=experts["legal"], kind="expert_assigned").count() == 1


def test_the_panels_majority_approves_and_each_expert_signs_once(api_client, people, justification, experts):
    assign(justification, people, experts)
    panel = [experts["legal"], *experts["product"]]
    opinion = "The accredited method cannot be run on the domestic instruments considered."
    # outsiders and staff cannot sign; staff cannot approve alone either
    api_client.force_authenticate(people.users["staff"])
    assert api_client.post(f"/api/v1/import-justifications/{justification.pk}/opinion/", {}).status_code == 404
    refused = api_client.post(f"/api/v1/import-justifications/{justification.pk}/approve/")
    assert refused.status_code == 400
    with pytest.raises(PermissionDenied):
        services.expert_opinion_sign(
            justification=justification, user=people.users["researcher"], decision="approve", opinion=opinion
        )
    api_client.force_authenticate(panel[0])
    bad = api_client.post(
        f"/api/v1/import-justifications/{justification.pk}/opinion/", {"decision": "maybe", "opinion": "ok"}
    )
    assert bad.status_code == 400 and {"decision", "opinion"} <= set(bad.json()["fields"])
    signed = api_client.post(
        f"/api/v1/import-justifications/{justification.pk}/opinion/", {"decision": "approve", "opinion": opinion}
    )
    assert signed.status_code == 200 and signed.json()["signed_at"]
    again = api_client.post(
        f"/api/v1/import-justifications/{justification.pk}/opinion/", {"decision": "reject", "opinion": opinion}
    )
    assert again.status_code == 400
    services.expert_opinion_sign(justification=justification, user=panel[1], decision="reject", opinion=opinion)
    services.expert_opinion_sign(justification=justification, user=panel[2], decision="approve", opinion=opinion)
    justification.refresh_from_db()
    assert justification.status == ImportJustification.Status.SUBMITTED  # 2 of 5: no majority yet
    services.expert_opinion_sign(justification=justification, user=panel[3], decision="approve", opinion=opinion)
    justification.refresh_from_db()
    assert justification.status == ImportJustification.Status.APPROVED  # 3 of 5
    assert Notification.objects.filter(user=people.users["researcher"], kind="import_approved").exists()
    with pytest.raises(ApplicationError):
        services.expert_opinion_sign(justification=justification, user=panel[4], decision="reject", opinion=opinion)
    # once signing began the panel stays as it is
    with pytest.raises(ApplicationError):
        assign(justification, people, experts)


def test_a_majority_of_rejections_rejects(people, justification, experts):
    assign(justification, people, experts)
    opinion = "A domestic instrument met every mandatory requirement of the demand."
    for expert in experts["product"][:3]:
        services.expert_opinion_sign(justification=justification, user=expert, decision="reject", opinion=opinion)
    justification.refresh_from_db()
    assert justification.status == ImportJustification.Status.REJECTED


def test_staff_assign_on_the_page_and_experts_sign_on_the_page(client, people, justification, experts):
    client.force_login(people.users["staff"])
    url = f"/demands/import-justifications/{justification.pk}/panel/"
    bad = client.post(url, {"legal_experts": experts["legal"].email, "product_experts": experts["product"][0].email})
    assert bad.status_code == 400 and "odd number of at least 5" in bad.content.decode()
    ok = client.post(
        url,
        {"legal_experts": experts["legal"].email, "product_experts": "\n".join(u.email for u in experts["product"])},
    )
    assert ok.status_code == 302
    client.force_login(experts["legal"])
    page = f"/demands/import-justifications/{justification.pk}/opinion/"
    assert client.get(page).status_code == 200
    signed = client.post(page, {"decision": "approve", "opinion": "Justified: the method needs the imported one."})
    assert signed.status_code == 302
    assert "You signed on" in client.get(page).content.decode()
    client.force_login(people.users["maker"])
    assert client.get(page).status_code == 404
