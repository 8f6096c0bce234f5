"""A sealed quote's content reaches nobody but its maker before the deadline, on any surface the platform has:
lists, counts, detail, the comparison and its exports, the dossier, an award, OCDS, the feed, audit history, the
administration and notifications. After the opening the buyer reads it too, and still nobody else."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from config.exceptions import ApplicationError
from notifications.models import Notification
from ocds.releases import ocid_for
from procurement import services
from procurement.models import Demand, ImportJustification, Quote
from tests.factories import DemandFactory, ImportedProductFactory, ProductFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

# What the sealed quotes say, and no other row does.
SECRETS = ("734519", "734,519", "861327", "861,327", "SEALED-TERMS-7731")


@pytest.fixture
def sealed(people):
    """A sealed fiscal demand (accepting an import) with a domestic and an imported quote and an import
    justification filed before the deadline."""
    demand = DemandFactory(
        institution=people.institution,
        posted_by=people.users["researcher"],
        is_sealed=True,
        accepts_imported=True,
        import_reason="An imported instrument may do if no domestic one reaches the sensitivity.",
        budget=Decimal("1000000"),
    )
    domestic = ProductFactory(manufacturer=people.manufacturer, category=demand.category)
    imported = ImportedProductFactory(category=demand.category)
    quotes = [
        services.quote_submit(
            user=people.users["maker"],
            demand=demand,
            product=domestic,
            unit_price=Decimal("734519"),
            message="SEALED-TERMS-7731",
        ),
        services.quote_submit(
            user=member_of(imported.manufacturer), demand=demand, product=imported, unit_price=Decimal("861327")
        ),
    ]
    justification = services.import_justification_submit(
        demand=demand,
        user=people.users["researcher"],
        imported_product=imported,
        reason="No domestic instrument reaches the detection limit our method needs.",
    )
    return demand, quotes, justification


def _entry_ids(quotes) -> list[int]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Quote), object_pk__in=[str(q.pk) for q in quotes]
        ).values_list("pk", flat=True)
    )


def _surfaces(demand, quotes, justification) -> list[str]:
    api = f"/api/v1/demands/{demand.pk}/"
    return [
        "/api/v1/quotes/",
        f"/api/v1/quotes/?demand={demand.pk}",
        *(f"/api/v1/quotes/{q.pk}/" for q in quotes),
        "/api/v1/demands/",
        api,
        f"{api}comparison/",
        f"{api}comparison/xlsx/",
        f"{api}comparison/pdf/",
        f"{api}import-justification/dossier/",
        f"{api}import-justification/dossier/pdf/",
        "/api/v1/import-justifications/",
        f"/api/v1/import-justifications/{justification.pk}/",
        "/api/v1/awards/",
        "/api/v1/ocds/releases/",
        f"/api/v1/ocds/records/{ocid_for(demand.pk)}/",
        "/api/v1/feed/",
        f"/api/v1/history/demand/{demand.pk}/",
        *(f"/api/v1/history/quote/{q.pk}/" for q in quotes),
        "/api/v1/notifications/",
        "/api/v1/stats/",
        f"/demands/{demand.pk}/",
        f"/demands/{demand.pk}/comparison/",
        f"/demands/{demand.pk}/comparison.xlsx",
        f"/demands/{demand.pk}/comparison.pdf",
        f"/demands/{demand.pk}/award/?quote={quotes[1].pk}",
        f"/demands/{demand.pk}/import-justification/",
        f"/demands/{demand.pk}/import-justification/dossier.pdf",
        "/demands/import-justifications/",
        f"/demands/import-justifications/{justification.pk}/panel/",
        f"/demands/feed/{demand.category.code}/",
        f"/history/demand/{demand.pk}/",
        *(f"/history/quote/{q.pk}/" for q in quotes),
        "/notifications/",
        "/admin/procurement/quote/",
        *(f"/admin/procurement/quote/{q.pk}/change/" for q in quotes),
        "/admin/auditlog/logentry/",
        *(f"/admin/auditlog/logentry/{pk}/change/" for pk in _entry_ids(quotes)),
        "/admin/procurement/importjustification/",
        f"/admin/procurement/importjustification/{justification.pk}/change/",
    ]


def _leaks(client, api_client, user, urls, secrets=SECRETS) -> list[tuple[str, int]]:
    """The URLs whose answer to ``user`` holds one of ``secrets`` (by default, of every sealed quote)."""
    if user.is_authenticated:
        client.force_login(user)
        api_client.force_authenticate(user)
    else:
        client.logout()
        api_client.force_authenticate(None)
    found = []
    for url in urls:
        answer = (api_client if url.startswith("/api/") else client).get(url)
        assert answer.status_code < 500, (url, answer.status_code)
        body = answer.content.decode("utf-8", errors="replace")
        if any(secret in body for secret in secrets):
            found.append((url, answer.status_code))
    return found


def test_before_the_deadline_no_surface_shows_a_sealed_quote_to_the_buyer_staff_or_a_superuser(
    client, api_client, people, sealed
):
    demand, quotes, justification = sealed
    urls = _surfaces(demand, quotes, justification)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    readers = {"researcher": people.users["researcher"], "staff": people.users["staff"], "superuser": superuser}
    for role, user in readers.items():
        leaks = _leaks(client, api_client, user, urls)
        assert leaks == [], (role, leaks)
    # the binary downloads (compressed, so not searched above) are refused outright
    client.force_login(people.users["researcher"])
    api_client.force_authenticate(people.users["researcher"])
    for url in (f"/demands/{demand.pk}/comparison.xlsx", f"/demands/{demand.pk}/comparison.pdf"):
        assert client.get(url).status_code == 404
    assert client.get(f"/demands/{demand.pk}/import-justification/dossier.pdf").status_code == 400
    for tail in ("comparison/xlsx/", "comparison/pdf/"):
        assert api_client.get(f"/api/v1/demands/{demand.pk}/{tail}").status_code == 404
    assert api_client.get(f"/api/v1/demands/{demand.pk}/import-justification/dossier/pdf/").status_code == 400
    # nor does a search of the audit entries find them
    client.force_login(superuser)
    assert client.get("/admin/auditlog/logentry/", {"q": "734519"}).context["cl"].result_count == 0
    # while the maker reads its own quote
    api_client.force_authenticate(people.users["maker"])
    assert "734519" in api_client.get(f"/api/v1/quotes/{quotes[0].pk}/").content.decode()
    # and the buyer knows how many arrived
    api_client.force_authenticate(people.users["researcher"])
    assert api_client.get(f"/api/v1/demands/{demand.pk}/").json()["quote_count"] == 2


def test_the_dossier_waits_for_the_opening_and_says_why(api_client, people, sealed):
    demand, _quotes, justification = sealed
    with pytest.raises(ApplicationError) as excinfo:
        services.import_dossier_build(justification=justification, user=people.users["researcher"])
    assert excinfo.value.field == "demand" and "sealed" in excinfo.value.message
    api_client.force_authenticate(people.users["staff"])
    refused = api_client.get(f"/api/v1/demands/{demand.pk}/import-justification/dossier/")
    assert refused.status_code == 400 and "sealed" in refused.json()["fields"]["demand"][0]
    assert not ImportJustification.objects.get(pk=justification.pk).dossier
    # after the deadline the quotes open and the dossier is built from them
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    services.quotes_open_due()
    justification.refresh_from_db()
    content = services.import_dossier_build(justification=justification, user=people.users["researcher"])
    assert {column["total"] for column in content["quotes"]} == {"734519.00", "861327.00"}


def test_a_sealed_demand_is_awarded_only_after_its_quotes_open(api_client, people, sealed):
    demand, quotes, justification = sealed
    ImportJustification.objects.filter(pk=justification.pk).update(status=ImportJustification.Status.APPROVED)
    imported = quotes[1].product
    # not a quote, and not a product bought outside the quotes either: the award would freeze the sealed ones
    for kwargs in ({"quote": quotes[0]}, {"product": imported}):
        with pytest.raises(ApplicationError) as excinfo:
            services.demand_award(
                demand=demand,
                user=people.users["researcher"],
                note="The imported instrument is the only one validated for this method.",
                **kwargs,
            )
        assert "open at the deadline" in excinfo.value.message
    api_client.force_authenticate(people.users["researcher"])
    refused = api_client.post(f"/api/v1/quotes/{quotes[0].pk}/award/", {"note": ""}, format="json")
    assert refused.status_code in (400, 404)
    assert not hasattr(Demand.objects.get(pk=demand.pk), "award")


def test_after_the_opening_the_buyer_reads_the_quotes_and_still_nobody_else(client, api_client, people, sealed):
    demand, quotes, justification = sealed
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    services.quotes_open_due()
    urls = _surfaces(demand, quotes, justification)
    assert _leaks(client, api_client, people.users["other_researcher"], urls) == []
    # Staff read the quotes in one place only: the dossier, the evidence their expert panel reviews (part of the
    # import rules); nowhere else.
    leaks = _leaks(client, api_client, people.users["staff"], urls)
    assert {url for url, _status in leaks} <= {
        f"/api/v1/demands/{demand.pk}/import-justification/dossier/",
        f"/demands/{demand.pk}/import-justification/dossier.pdf",
        f"/api/v1/demands/{demand.pk}/import-justification/dossier/pdf/",
    }, leaks
    shown = dict(_leaks(client, api_client, people.users["researcher"], urls))
    assert {f"/api/v1/quotes/{quotes[0].pk}/", f"/demands/{demand.pk}/comparison/"} <= set(shown)
    # every quoting maker was told of the opening once
    for quote in quotes:
        assert Notification.objects.filter(user=quote.submitted_by, kind="quotes_opened").count() == 1


# What each quote says that no other row does.
DOMESTIC_SECRETS = ("734519", "734,519", "SEALED-TERMS-7731")
IMPORTED_SECRETS = ("861327", "861,327")


@pytest.mark.parametrize("opened", [False, True], ids=["before-opening", "after-opening"])
def test_a_maker_sees_its_own_quote_only_and_the_count_is_the_buyers_alone(client, api_client, people, sealed, opened):
    # given two makers' sealed quotes on one demand, before or after they open
    demand, quotes, justification = sealed
    if opened:
        Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
        services.quotes_open_due()
    urls = _surfaces(demand, quotes, justification)
    rival = quotes[1].submitted_by
    # then neither maker reads the other's quote anywhere, and anyone else reads none
    assert _leaks(client, api_client, people.users["maker"], urls, IMPORTED_SECRETS) == []
    assert _leaks(client, api_client, rival, urls, DOMESTIC_SECRETS) == []
    for role in ("anonymous", "other_researcher"):
        assert _leaks(client, api_client, people.users[role], urls) == [], role
    # each maker's lists hold its own quote alone, counted as one
    for maker, own in ((people.users["maker"], quotes[0]), (rival, quotes[1])):
        api_client.force_authenticate(maker)
        for url in ("/api/v1/quotes/", f"/api/v1/quotes/?demand={demand.pk}"):
            listed = api_client.get(url).json()
            assert (listed["count"], [q["id"] for q in listed["results"]]) == (1, [own.pk]), url
        other = quotes[1] if own == quotes[0] else quotes[0]
        assert api_client.get(f"/api/v1/quotes/{other.pk}/").status_code == 404
        # how many quotes arrived is the buyer's figure: not in the demand, not on its page, not in a notice
        assert api_client.get(f"/api/v1/demands/{demand.pk}/").json()["quote_count"] is None
        assert api_client.get("/api/v1/demands/", {"page_size": 100}).json()["results"][0]["quote_count"] is None
        client.force_login(maker)
        page = client.get(f"/demands/{demand.pk}/").content.decode()
        assert 'id="sealed-count"' not in page and f'id="quote-{other.pk}"' not in page
        assert f'id="quote-{own.pk}"' in page
        notices = api_client.get("/api/v1/notifications/").json()["results"]
        assert [n["kind"] for n in notices if n["kind"] == "quotes_opened"] == (["quotes_opened"] if opened else [])
        assert not any(character.isdigit() for n in notices for character in n["body"]), notices
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/quotes/").status_code in (401, 403)
    # while the buyer counts them, and reads them once they are open
    api_client.force_authenticate(people.users["researcher"])
    assert api_client.get(f"/api/v1/demands/{demand.pk}/").json()["quote_count"] == 2
    listed = api_client.get(f"/api/v1/quotes/?demand={demand.pk}").json()
    assert listed["count"] == (2 if opened else 0)
    told = [n["body"] for n in api_client.get("/api/v1/notifications/").json()["results"]]
    assert ("2 quotes arrived before the deadline; compare them and award." in told) is opened
