"""Settings page, inbox, subscribe button, unsubscribe links, web-push endpoints, /sw.js."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitmachstadt.geo.models import District
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.models import FieldOfAction

from . import push, selectors, services
from .forms import (
    ChannelsForm,
    DistrictSubscriptionForm,
    FieldSubscriptionForm,
    RadiusSubscriptionForm,
    SearchSubscriptionForm,
)
from .models import PushSubscription, Subscription
from .rendering import describe, reason_text
from .tokens import read_token

INBOX_PAGE = 25
SEARCH_PARAMS = ("q", "field", "district", "cluster", "state")


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _forms(request: HttpRequest, data: Any = None, which: str = "") -> dict[str, Any]:
    municipality = _municipality(request)
    search_initial = {k: request.GET[k] for k in SEARCH_PARAMS if request.GET.get(k)}
    return {
        "field_form": FieldSubscriptionForm(
            data if which == "field" else None, municipality=municipality, prefix="fieldsub"
        ),
        "district_form": DistrictSubscriptionForm(
            data if which == "district" else None, municipality=municipality, prefix="districtsub"
        ),
        "radius_form": RadiusSubscriptionForm(
            data if which == "radius" else None, prefix="radiussub"
        ),
        "search_form": SearchSubscriptionForm(
            data if which == "search" else None,
            municipality=municipality,
            prefix="searchsub",
            initial=search_initial,
        ),
    }


def _settings_page(
    request: HttpRequest,
    *,
    channels_form: ChannelsForm | None = None,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    municipality = _municipality(request)
    user = request.user
    prefs, paused = selectors.settings_for(municipality, user)
    context = {
        "channels_form": channels_form
        or ChannelsForm(prefs=prefs, initial={"email_paused": paused}),
        "subscriptions": list(selectors.subscriptions_of(municipality, user)),
        "follows": selectors.follows_of(municipality, user),
        "devices": list(selectors.push_devices(municipality, user)),
        "vapid_public_key": push.public_key(),
        "email_paused": paused,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "search_prefilled": any(request.GET.get(k) for k in SEARCH_PARAMS),
        "feed_fields": FieldOfAction.objects.filter(municipality=municipality),
        "feed_districts": District.objects.filter(municipality=municipality),
        **(forms or _forms(request)),
    }
    return render(request, "notifications/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """What reaches me, how often and where: channels per kind, subscriptions, devices."""
    municipality = _municipality(request)
    if request.method == "POST":
        prefs, _paused = selectors.settings_for(municipality, request.user)
        form = ChannelsForm(request.POST, prefs=prefs)
        if form.is_valid():
            services.settings_update(
                user=request.user,
                municipality=municipality,
                prefs=form.prefs(),
                email_paused=form.cleaned_data["email_paused"],
            )
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:settings")
        return _settings_page(request, channels_form=form, status=400)
    return _settings_page(request)


@login_required
@require_POST
def subscription_add(request: HttpRequest, which: str) -> HttpResponse:
    """Add a subscription of one type from its form on the settings page."""
    municipality = _municipality(request)
    forms = _forms(request, request.POST, which)
    kwargs: dict[str, Any] = {}
    if which == "events":
        kwargs = {"type": Subscription.Type.EVENTS}
        form = None
    else:
        form = forms.get(f"{which}_form")
        if form is None:
            raise Http404
        if not form.is_valid():
            return _settings_page(request, forms=forms, status=400)
        data = form.cleaned_data
        kwargs = {"type": which, "include_updates": data.get("include_updates", False)}
        if which == "field":
            kwargs["field"] = data["field"]
        elif which == "district":
            kwargs["district"] = data["district"]
        elif which == "radius":
            kwargs.update(
                lat=data["lat"], lon=data["lon"], radius_m=data["radius_m"], label=data["label"]
            )
        elif which == "search":
            kwargs.update(search=form.search(), label=data["label"])
    try:
        services.subscription_create(user=request.user, municipality=municipality, **kwargs)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("notifications:settings")
        if hasattr(error, "error_dict"):
            for name, errs in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            form.add_error(None, error)
        return _settings_page(request, forms=forms, status=400)
    messages.success(request, _("Your subscription has been saved."))
    return redirect("notifications:settings")


@login_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_object_or_404(
        Subscription, pk=pk, municipality=_municipality(request), user=request.user
    )
    services.subscription_delete(subscription=sub, user=request.user)
    messages.success(request, _("The subscription has ended."))
    return redirect("notifications:settings")


@login_required
@require_POST
def device_delete(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(
        PushSubscription, pk=pk, municipality=_municipality(request), user=request.user
    )
    services.push_subscription_delete(device=device, user=request.user)
    messages.success(request, _("This device gets no more push messages."))
    return redirect("notifications:settings")


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def follow_toggle(request: HttpRequest, idea_id: int) -> HttpResponse:
    """The subscribe button: follow or stop following an idea or project."""
    municipality = _municipality(request)
    idea = get_object_or_404(Idea, pk=idea_id, municipality=municipality)
    if not request.user.is_authenticated:
        return redirect_to_login(idea.get_absolute_url())
    if request.POST.get("action") == "unfollow":
        services.idea_unfollow(idea=idea, user=request.user)
        note = _("You no longer follow this idea.")
    else:
        if not idea.is_public:
            raise Http404
        services.idea_follow(idea=idea, user=request.user)
        note = _("You follow this idea now. Choose how you hear about it in your settings.")
    if getattr(request, "htmx", False):
        html = render_to_string(
            "notifications/subscribe_button.html",
            {"idea": idea, "status_message": note},
            request=request,
        )
        return HttpResponse(html)
    messages.success(request, note)
    return redirect(_next(request, idea.get_absolute_url()))


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The in-app inbox, newest first."""
    municipality = _municipality(request)
    paginator = Paginator(selectors.inbox(municipality, request.user), INBOX_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    items = []
    for notification in page.object_list:
        rendered = describe(notification.activity, notification.kind)
        items.append(
            {
                "notification": notification,
                "title": rendered.title,
                "lines": rendered.lines,
                "reason": reason_text(notification.reason),
                "unread": notification.read_at is None,
            }
        )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "items": items,
            "unread": selectors.unread_count(municipality, request.user),
        },
    )


@login_required
@require_GET
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open an inbox item: mark it read and go to what it is about."""
    notification = selectors.notification_of(_municipality(request), request.user, pk)
    if notification is None:
        raise Http404
    services.notification_mark_read(notification=notification, user=request.user)
    target = describe(notification.activity, notification.kind).path
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user, municipality=_municipality(request))
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058): GET asks, POST does it; the signed token authorises."""
    municipality = _municipality(request)
    data = read_token(token)
    if data is None or data.municipality_id != municipality.pk:
        raise Http404
    if request.method == "GET":
        return render(request, "notifications/unsubscribe.html", {"token": token, "done": ""})
    try:
        done = services.unsubscribe_apply(request=data, municipality=municipality)
    except PermissionDenied as error:
        raise Http404 from error
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(done, content_type="text/plain; charset=utf-8")
    return render(request, "notifications/unsubscribe.html", {"token": token, "done": done})


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """Register this browser's push subscription (JSON from PushSubscription.toJSON())."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login required"}, status=401)
    data = _json_body(request)
    if data is None:
        return HttpResponseBadRequest()
    keys = data.get("keys") or {}
    try:
        device = services.push_subscription_register(
            user=request.user,
            municipality=_municipality(request),
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"id": device.pk}, status=201)


@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    """Forget this browser's push subscription."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login required"}, status=401)
    data = _json_body(request)
    if data is None:
        return HttpResponseBadRequest()
    device = PushSubscription.objects.filter(
        municipality=_municipality(request), user=request.user, endpoint=data.get("endpoint", "")
    ).first()
    if device is not None:
        services.push_subscription_delete(device=device, user=request.user)
    return JsonResponse({"ok": True})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows push messages; served from / so that it may control /."""
    response = HttpResponse(
        render_to_string("notifications/sw.js"), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
