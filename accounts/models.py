from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.validators import validate_uscc


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored in lower case; people type them any way they like when logging in.
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person; logs in with an email address. Platform administrators are staff."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email_notifications = models.BooleanField(
        _("email notifications"), default=True, help_text=_("Send me an email when I get a notification.")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email


class Province(models.Model):
    """A province-level division of GB/T 2260; loaded by a data migration."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=32)
    name_en = models.CharField(_("English name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_zh


class Organization(models.Model):
    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("Research institution")
        MANUFACTURER = "manufacturer", _("Manufacturer")
        AGENCY = "agency", _("Government agency")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    # Chinese organizations have a unified social credit code; foreign ones do not.
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        null=True,
        unique=True,
        validators=[validate_uscc],
    )
    country = CountryField(_("country"), default="CN")
    province = models.ForeignKey(
        Province,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name_zh", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                "country",
                Lower("name_zh"),
                name="accounts_org_name_zh_unique_per_country",
                violation_error_message=_("An organization with this Chinese name already exists in this country."),
            ),
            models.UniqueConstraint(
                "country",
                Lower("name_en"),
                condition=~models.Q(name_en=""),
                name="accounts_org_name_en_unique_per_country",
                violation_error_message=_("An organization with this English name already exists in this country."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_verified"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def is_manufacturer(self) -> bool:
        return self.kind == self.Kind.MANUFACTURER

    @property
    def is_institution(self) -> bool:
        return self.kind == self.Kind.INSTITUTION


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="accounts_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class JoinRequest(models.Model):
    """A person asks to join a verified organization; one of its administrators approves or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            # One open request per person and organization; decided ones stay as history.
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(status="pending"),
                name="accounts_joinrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.status})"


class LoginFailure(models.Model):
    """One failed log-in (page, admin or token), kept a day for the log-in guard (accounts.services.login_guard)."""

    email = models.CharField(_("email address"), max_length=254)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    # Failures from an address the account has logged in from before do not slow the account down elsewhere.
    from_known_address = models.BooleanField(_("from a known address"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed log-in")
        verbose_name_plural = _("failed log-ins")
        indexes = [
            models.Index(fields=["email", "created_at"], name="accounts_loginfail_email"),
            models.Index(fields=["client_ip", "created_at"], name="accounts_loginfail_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.client_ip} at {self.created_at:%Y-%m-%d %H:%M}"


class KnownLoginAddress(models.Model):
    """A client address an account logged in from: the guard lets its owner in while others are slowed down."""

    email = models.CharField(_("email address"), max_length=254)
    client_ip = models.GenericIPAddressField(_("client address"))
    last_success_at = models.DateTimeField(_("last successful log-in"), default=timezone.now)

    class Meta:
        verbose_name = _("known log-in address")
        verbose_name_plural = _("known log-in addresses")
        constraints = [
            models.UniqueConstraint(fields=["email", "client_ip"], name="accounts_knownloginaddress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.client_ip}"
