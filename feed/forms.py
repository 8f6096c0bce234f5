from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feed.models import FeedEntry
from procurement.forms import StyledForm


class WebhookForm(StyledForm):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An http or https address on a public host; each event is POSTed to it as JSON."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Event kinds"), choices=FeedEntry.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        max_length=128,
        help_text=_("Signs every delivery (X-Signature). Leave empty for a new random one (or to keep the current)."),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=200)


class WebhookEditForm(WebhookForm):
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Switching it on again resumes deliveries from now.")
    )
