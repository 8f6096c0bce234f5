"""Demo organizations and users for `manage.py seed_demo`; other apps' demo modules reuse these helpers."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Organization, Province, User
from accounts.services import organization_create
from accounts.validators import USCC_ALPHABET, uscc_check_character

DEMO_ADMIN_EMAIL = "admin@demo.local"
DEMO_RESEARCHER_EMAIL = "researcher@demo.local"
DEMO_MAKER_EMAIL = "maker@demo.local"
DEMO_INSTITUTION = ("中国科学院化学研究所", "Institute of Chemistry, Chinese Academy of Sciences", "110000")
DEMO_MANUFACTURER = ("聚光科技（杭州）股份有限公司", "Focused Photonics (Hangzhou) Inc.", "330000")
# Registered but not yet verified, so the staff verification queue has something to show.
DEMO_PENDING_EMAIL = "pending@demo.local"
DEMO_PENDING_MANUFACTURER = ("苏州精测仪器有限公司", "Suzhou Precision Measurement Instruments Co., Ltd.", "320000")


def demo_credit_code(name: str, province_code: str) -> str:
    """A valid, stable unified social credit code for a demo organization (derived from its name)."""
    digest = hashlib.sha256(name.encode()).digest()
    body = "91" + province_code + "".join(USCC_ALPHABET[b % 31] for b in digest[:9])
    return body + uscc_check_character(body)


def demo_organization(
    *, kind: str, name_zh: str, name_en: str, province_code: str | None = None, country: str = "CN"
) -> Organization:
    """Get or create a verified demo organization, keyed by country and Chinese name."""
    org = Organization.objects.filter(country=country, name_zh=name_zh).first()
    if org is not None:
        return org
    return Organization.objects.create(
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        country=country,
        province=Province.objects.get(code=province_code) if province_code else None,
        credit_code=demo_credit_code(name_zh, province_code or "110000") if country == "CN" else None,
        is_verified=True,
        verified_at=timezone.now(),
    )


def demo_user(*, email: str, full_name: str, password: str, **extra: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name, **extra)
    return user


def demo_member(user: User, organization: Organization, role: str = Membership.Role.MEMBER) -> None:
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})


def seed(*, password: str, stdout: Any) -> None:
    demo_user(
        email=DEMO_ADMIN_EMAIL,
        full_name="平台管理员 Platform Admin",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    institution = demo_organization(
        kind=Organization.Kind.INSTITUTION,
        name_zh=DEMO_INSTITUTION[0],
        name_en=DEMO_INSTITUTION[1],
        province_code=DEMO_INSTITUTION[2],
    )
    researcher = demo_user(email=DEMO_RESEARCHER_EMAIL, full_name="李研究员 Li Yan", password=password)
    demo_member(researcher, institution, Membership.Role.ADMIN)
    manufacturer = demo_organization(
        kind=Organization.Kind.MANUFACTURER,
        name_zh=DEMO_MANUFACTURER[0],
        name_en=DEMO_MANUFACTURER[1],
        province_code=DEMO_MANUFACTURER[2],
    )
    maker = demo_user(email=DEMO_MAKER_EMAIL, full_name="王经理 Wang Jing", password=password)
    demo_member(maker, manufacturer, Membership.Role.ADMIN)
    pending_admin = demo_user(email=DEMO_PENDING_EMAIL, full_name="赵工程师 Zhao Gong", password=password)
    if not Organization.objects.filter(country="CN", name_zh=DEMO_PENDING_MANUFACTURER[0]).exists():
        organization_create(
            created_by=pending_admin,
            kind=Organization.Kind.MANUFACTURER,
            name_zh=DEMO_PENDING_MANUFACTURER[0],
            name_en=DEMO_PENDING_MANUFACTURER[1],
            credit_code=demo_credit_code(DEMO_PENDING_MANUFACTURER[0], DEMO_PENDING_MANUFACTURER[2]),
            province=DEMO_PENDING_MANUFACTURER[2],
        )
    stdout.write(
        f"  demo users: {DEMO_ADMIN_EMAIL}, {DEMO_RESEARCHER_EMAIL}, {DEMO_MAKER_EMAIL}, "
        f"{DEMO_PENDING_EMAIL} (organization waiting for verification)"
    )
