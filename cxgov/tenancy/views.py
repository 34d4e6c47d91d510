"""Sign-in, organization and language switchers, and the user's API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms_auth import EmailAuthenticationForm
from .middleware import SESSION_ORG_KEY
from .models import ApiToken
from .roles import Op, declare_op, role_allows
from .selectors import api_tokens_of_user, memberships_of_user


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("referer") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Act in another of the user's organizations. An organization they do not belong to is 404."""
    try:
        org_id = int(request.POST.get("organization", ""))
    except ValueError as exc:
        raise Http404 from exc
    membership = memberships_of_user(user=request.user).filter(organization_id=org_id).first()
    if membership is None:
        raise Http404
    request.session[SESSION_ORG_KEY] = membership.organization_id
    messages.success(request, _("You are now working in %(org)s.") % {"org": membership.organization.name})
    # Pages of the previous organization would 404 in the new one: start from its home page.
    return redirect("home")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch between English and Spanish; remembered on the user and in a cookie."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unsupported language."))
        return redirect(_safe_next(request, reverse("home")))
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    response = HttpResponseRedirect(_safe_next(request, reverse("home")))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=not settings.DEBUG, httponly=False,
    )
    return response


@declare_op(Op.TOKENS_MANAGE)
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens in the current organization: create (shown once), list, revoke."""
    if request.membership is None:
        return render(request, "tenancy/no_organization.html", status=403)
    if not role_allows(request.membership.role, Op.TOKENS_MANAGE):
        raise PermissionDenied
    new_token = None
    error = None
    if request.method == "POST":
        try:
            token, new_token = services.api_token_create(
                org=request.org, user=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
        else:
            messages.success(request, _("Token “%(name)s” created. Copy it now: it will not be shown again.")
                             % {"name": token.name})
    tokens = api_tokens_of_user(org=request.org, user=request.user)
    return render(request, "tenancy/api_tokens.html", {
        "tokens": tokens, "new_token": new_token, "error": error,
        "name_value": request.POST.get("name", "") if error else "",
    }, status=400 if error else 200)


@declare_op(Op.TOKENS_MANAGE, methods=("POST",))
@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.membership is None or not role_allows(request.membership.role, Op.TOKENS_MANAGE):
        raise PermissionDenied
    try:
        token = services.api_token_revoke(org=request.org, user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api-tokens")
