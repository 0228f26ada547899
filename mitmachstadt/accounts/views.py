from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .models import Membership
from .selectors import is_staff_member
from .services import user_update_profile


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    """The account settings page: display name, language, links to e-mail, password and 2FA."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)  # type: ignore[arg-type]
        if form.is_valid():
            try:
                user_update_profile(
                    user=user,  # type: ignore[arg-type]
                    display_name=form.cleaned_data["display_name"],
                    language=form.cleaned_data["language"],
                    municipality=request.municipality,  # type: ignore[attr-defined]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                translation.activate(form.cleaned_data["language"])
                messages.success(request, _("Your settings have been saved."))
                response = redirect("accounts:settings")
                response.set_cookie(
                    "django_language", form.cleaned_data["language"], samesite="Lax"
                )
                return response
    else:
        form = ProfileForm(
            user=user,  # type: ignore[arg-type]
            initial={"display_name": user.display_name, "language": user.language},  # type: ignore[union-attr]
        )
    memberships = Membership.objects.filter(
        user=user,
        municipality=request.municipality,  # type: ignore[attr-defined,misc]
    )
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "memberships": memberships,
            "is_staff_member": is_staff_member(request.municipality, user),  # type: ignore[attr-defined]
        },
    )


@login_required
def second_factor_required(request: HttpRequest) -> HttpResponse:
    """Explain that staff pages need two-factor authentication and how to set it up."""
    from allauth.mfa.utils import is_mfa_enabled

    return render(
        request,
        "accounts/second_factor_required.html",
        {"mfa_enabled": is_mfa_enabled(request.user)},
        status=403,
    )
