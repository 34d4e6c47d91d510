"""Catalogue text that exists in English and Spanish (levers, stages, metrics...)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    """``name`` and ``description`` in both interface languages; either may be left blank.

    ``name`` and ``description`` properties return the active language's text, falling back to the
    other language, so an organization that writes only Spanish still shows something in English.
    """

    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)

    class Meta:
        abstract = True

    def _pick(self, stem: str) -> str:
        first, second = ("es", "en") if (get_language() or "en").startswith("es") else ("en", "es")
        return getattr(self, f"{stem}_{first}") or getattr(self, f"{stem}_{second}")

    @property
    def name(self) -> str:
        return self._pick("name")

    @property
    def description(self) -> str:
        return self._pick("description")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if not (self.name_en.strip() or self.name_es.strip()):
            raise ValidationError({"name_en": _("Give a name in English or Spanish.")})
