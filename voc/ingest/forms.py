"""Forms of the feedback pages: the ambassador's one-tap form, the upload and the column mapping.
They only shape input; the rules are in ``voc.services`` and ``voc.ingest.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import TIMEZONE_CHOICES

from .mapping import FIELD_LABELS, FIELDS, REQUIRED_COLUMNS
from .parsing import MAX_BYTES


class FeedbackLogForm(forms.Form):
    touchpoint = forms.IntegerField(label=_("Touchpoint"))
    metric = forms.CharField(label=_("Metric"), max_length=50)
    score = forms.CharField(label=_("Score"), max_length=30,
                            error_messages={"required": _("Tap a score (or enter one) to save.")})
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    customer_ref = forms.CharField(label=_("Customer reference"), required=False, max_length=200)
    external_id = forms.UUIDField(widget=forms.HiddenInput)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("A .csv file (any common encoding and delimiter) or an .xlsx workbook (first sheet), "
                    "with a header row, up to %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )


class ImportMappingForm(forms.Form):
    """One select per response field (a column of the file or none) and the defaults."""

    def __init__(self, *args: Any, headers: list[str], sources: list[tuple[str, str]],
                 metrics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", _("— not in the file —"))] + [(str(i), h) for i, h in enumerate(headers)]
        for name in FIELDS:
            self.fields[f"col_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=columns, required=name in REQUIRED_COLUMNS
            )
        self.fields["default_source"] = forms.ChoiceField(
            label=_("Data source for rows that do not say"), choices=[("", "—"), *sources], required=False
        )
        self.fields["default_metric"] = forms.ChoiceField(
            label=_("Metric for rows that do not say"), choices=[("", "—"), *metrics], required=False
        )
        self.fields["default_timezone"] = forms.ChoiceField(
            label=_("Time zone of dates without one"), choices=TIMEZONE_CHOICES
        )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{name}"] for name in FIELDS]

    def mapping(self) -> dict[str, str | None]:
        return {name: self.cleaned_data.get(f"col_{name}") or None for name in FIELDS}

    def defaults(self) -> dict[str, str]:
        return {
            "source": self.cleaned_data.get("default_source", ""),
            "metric": self.cleaned_data.get("default_metric", ""),
            "timezone": self.cleaned_data.get("default_timezone", ""),
        }
