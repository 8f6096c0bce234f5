from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import Delivery


class SaveSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    delivery = forms.ChoiceField(label=_("How to hear of new results"), choices=Delivery.choices)


class DeliveryForm(forms.Form):
    delivery = forms.ChoiceField(label=_("How to hear"), choices=Delivery.choices)


class FollowForm(forms.Form):
    target = forms.ChoiceField(
        choices=[("category", _("Category")), ("organization", _("Organization")), ("product", _("Product"))]
    )
    target_id = forms.IntegerField(min_value=1)
    delivery = forms.ChoiceField(label=_("How to hear"), choices=Delivery.choices, initial=Delivery.IN_APP)
