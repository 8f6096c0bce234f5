import io

import pytest

from accounts import demo
from accounts.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def test_accounts_demo_seed_is_idempotent_and_fills_the_verification_queue():
    for _ in range(2):
        demo.seed(password="demo-pass-2026", stdout=io.StringIO())
    admin = User.objects.get(email=demo.DEMO_ADMIN_EMAIL)
    assert admin.is_staff and admin.check_password("demo-pass-2026")
    assert Organization.objects.filter(is_verified=True).count() == 2
    pending = Organization.objects.get(is_verified=False)
    assert pending.name_zh == demo.DEMO_PENDING_MANUFACTURER[0]
    assert Membership.objects.get(organization=pending).user.email == demo.DEMO_PENDING_EMAIL
    assert User.objects.count() == 4
