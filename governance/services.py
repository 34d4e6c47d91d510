"""Governance writes: the bodies of the CX programme and their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Membership, Organization, User, tenant_check

from .models import Body, BodyMember, Level


@transaction.atomic
def body_create(
    *,
    org: Organization,
    kind: str,
    name: str,
    level: str | None = None,
    mandate: str = "",
    cadence: str = "",
    position: int | None = None,
) -> Body:
    """Create a governance body. Without ``level`` it acts on its kind's usual level
    (sponsor and steering committee strategic, core team and working group tactical, ambassadors
    operational). Names are unique within the organization."""
    if kind not in Body.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of body.")]})
    level = level or Body.DEFAULT_LEVEL[Body.Kind(kind)]
    if level not in Level.values:
        raise ValidationError({"level": [_("Unknown level.")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("Keep this under %(n)d characters.") % {"n": 200}]})
    bodies = Body.objects.for_org(org)
    if bodies.filter(name=name).exists():
        raise ValidationError({"name": [_("A body with this name already exists.")]})
    if position is None:
        position = (max(bodies.values_list("position", flat=True), default=0) or 0) + 1
    return Body.objects.create(
        organization=org, kind=kind, level=level, name=name, mandate=mandate.strip(), cadence=cadence.strip(),
        position=position,
    )


@transaction.atomic
def body_member_add(
    *,
    org: Organization,
    body: Body,
    user: User | None = None,
    name: str = "",
    title: str = "",
    area: str = "",
    role_in_body: str = BodyMember.RoleInBody.MEMBER,
) -> BodyMember:
    """Add a member to a body: a user of the organization, or a named person without a login
    (an executive who never signs in still sits on the steering committee)."""
    tenant_check(org=org, body=body)
    name = (name or "").strip()
    if user is None and not name:
        raise ValidationError({"name": [_("Give the person's name, or choose a user.")]})
    if user is not None:
        if not Membership.objects.filter(user=user, organization=org).exists():
            raise ValidationError({"user": [_("Not a member of this organization.")]})
        if BodyMember.objects.for_org(org).filter(body=body, user=user).exists():
            raise ValidationError({"user": [_("Already a member of this body.")]})
    if role_in_body not in BodyMember.RoleInBody.values:
        raise ValidationError({"role_in_body": [_("Unknown role.")]})
    for field_name, value in (("name", name), ("title", title), ("area", area)):
        if len(value) > 200:
            raise ValidationError({field_name: [_("Keep this under %(n)d characters.") % {"n": 200}]})
    return BodyMember.objects.create(
        organization=org, body=body, user=user, name=name, title=title.strip(), area=area.strip(),
        role_in_body=role_in_body,
    )
