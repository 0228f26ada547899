"""Public pages of citizens' assemblies: the assembly, answering the invitation, the draws."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mitmachstadt.core.ratelimit import client_ip

from . import selectors, services
from .forms import CodeForm, ResponseForm, apply_errors
from .models import Assembly, Invitation, Selection
from .pool import FEATURES_FILE, PEOPLE_FILE

PANELS_PER_PAGE = 50
PEOPLE_PER_PAGE = 100
# Response codes carry 60 random bits; the limit keeps guessing hopeless and cheap to serve.
CODE_ATTEMPTS = 20
CODE_WINDOW = 600


def _m(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _assembly(request: HttpRequest, pk: int) -> Assembly:
    municipality = _m(request)
    staff = services.is_organiser(municipality, request.user)
    assembly = selectors.assembly_for_viewer(municipality, pk, staff=staff)
    if assembly is None:
        raise Http404
    return assembly


def _session_key(assembly: Assembly) -> str:
    return f"assembly-{assembly.pk}-invitation"


@require_GET
def assembly_list(request: HttpRequest) -> HttpResponse:
    """All public citizens' assemblies of the municipality."""
    return render(
        request,
        "assemblies/list.html",
        {"assemblies": selectors.public_assemblies(_m(request))},
    )


@require_GET
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The assembly: question, timeline, quotas, seeds, draws and recommendations."""
    assembly = _assembly(request, pk)
    main = selectors.drawn_main_selection(assembly)
    recommendations = [(r, *selectors.linked_ideas(r)) for r in selectors.recommendations(assembly)]
    return render(
        request,
        "assemblies/detail.html",
        {
            "assembly": assembly,
            "categories": selectors.categories(assembly),
            "seeds": selectors.seeds(assembly),
            "selections": selectors.selections(assembly),
            "figures": selectors.response_figures(assembly)
            if assembly.stage != Assembly.Stage.DRAFT
            else None,
            "quota_rows": selectors.quota_table(
                assembly, selectors.active_pseudonyms(assembly) if main else None
            ),
            "main": main,
            "recommendations": recommendations,
            "is_organiser": services.is_organiser(_m(request), request.user),
        },
    )


def _too_many_attempts(request: HttpRequest, assembly: Assembly) -> bool:
    ip = hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]
    key = f"assembly-code:{assembly.pk}:{ip}:{int(time.time() // CODE_WINDOW)}"
    cache.add(key, 0, CODE_WINDOW + 1)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > CODE_ATTEMPTS


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 of answering: the personal code from the letter."""
    assembly = _assembly(request, pk)
    form = CodeForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        if _too_many_attempts(request, assembly):
            return render(request, "429.html", status=429)
        invitation = services.invitation_for_code(assembly, form.cleaned_data["code"])
        if invitation is None:
            form.add_error(
                "code", _("This code is not valid. Please check it against your letter.")
            )
        else:
            request.session.cycle_key()
            request.session[_session_key(assembly)] = invitation.pk
            return redirect("assemblies:answer", pk=assembly.pk)
    return render(request, "assemblies/respond.html", {"assembly": assembly, "form": form})


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: yes or no, consent, and the features the quotas ask for."""
    assembly = _assembly(request, pk)
    invitation_id = request.session.get(_session_key(assembly))
    invitation = (
        Invitation.objects.filter(assembly=assembly, pk=invitation_id).first()
        if invitation_id
        else None
    )
    if invitation is None:
        return redirect("assemblies:respond", pk=assembly.pk)
    existing = getattr(invitation, "response", None)
    categories = selectors.categories(assembly)
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {
            "willing": "yes" if existing.willing else "no",
            "consent": existing.consent,
            "contact_email": existing.contact_email,
            "contact_phone": existing.contact_phone,
            **{f"feature_{c.pk}": existing.answers.get(c.name) for c in categories},
        }
    form = ResponseForm(
        request.POST or None,
        categories=categories,
        district=invitation.district,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = services.response_submit(
                invitation=invitation,
                willing=form.cleaned_data["willing"],
                consent=form.cleaned_data["consent"],
                answers=form.answers(),
                contact_email=form.cleaned_data["contact_email"],
                contact_phone=form.cleaned_data["contact_phone"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return render(
                request,
                "assemblies/thanks.html",
                {"assembly": assembly, "response": response},
            )
    return render(
        request,
        "assemblies/answer.html",
        {
            "assembly": assembly,
            "form": form,
            "existing": existing,
            "closed": not assembly.accepts_responses,
        },
    )


def _selection(request: HttpRequest, pk: int, number: int, *, full: bool = True) -> Selection:
    assembly = _assembly(request, pk)
    selection = (
        selectors.selection_full(assembly, number)
        if full
        else selectors.selection_light(assembly, number)
    )
    if selection is None:
        raise Http404
    return selection


@require_GET
def draw_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A draw: progress while it runs, then the numbered lottery and the audit record."""
    selection = _selection(request, pk, number)
    assembly = selection.assembly
    context: dict[str, Any] = {"assembly": assembly, "selection": selection}
    if selection.lottery:
        panels = Paginator(selection.lottery, PANELS_PER_PAGE)
        drawn_panel = (selection.audit.get("draw") or {}).get("panel")
        page_number = request.GET.get("panels")
        if page_number is None and drawn_panel:
            page_number = (drawn_panel - 1) // PANELS_PER_PAGE + 1
        context["panels"] = panels.get_page(page_number)
        context["drawn_panel"] = drawn_panel
        context["drawn_panel_page"] = (
            (drawn_panel - 1) // PANELS_PER_PAGE + 1 if drawn_panel else None
        )
        people = sorted(selection.probabilities.items())
        context["people"] = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("people"))
        lookup = (request.GET.get("pseudonym") or "").strip().upper()
        if lookup:
            context["lookup"] = lookup
            context["lookup_probability"] = selection.probabilities.get(lookup)
            context["lookup_selected"] = lookup in selection.selected
        context["selected_counts"] = selection.audit.get("selected_feature_counts", {})
        context["feature_counts"] = (selection.audit.get("pool") or {}).get("feature_counts") or {}
        context["quotas"] = _quota_rows(selection)
    return render(request, "assemblies/draw.html", context)


def _quota_rows(selection: Selection) -> list[dict[str, Any]]:
    """Quotas with the pool's counts (from the published people.csv) and the drawn panel's."""
    people = list(csv.DictReader(io.StringIO(selection.people_csv)))
    selected = selection.audit.get("selected_feature_counts") or {}
    rows = []
    for row in csv.DictReader(io.StringIO(selection.features_csv)):
        feature, value = row["feature"], row["value"]
        rows.append(
            {
                "feature": feature,
                "value": value,
                "min": int(row["min"]),
                "max": int(row["max"]),
                "pool": sum(1 for p in people if p.get(feature, "").casefold() == value.casefold()),
                "panel": (selected.get(feature) or {}).get(value),
            }
        )
    return rows


@require_GET
def draw_progress(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The progress bar alone, for htmx polling; reloads the page once the step is done."""
    selection = _selection(request, pk, number, full=False)
    html = render_to_string(
        "assemblies/includes/progress.html", {"selection": selection}, request=request
    )
    response = HttpResponse(html)
    if not selection.is_running:
        response["HX-Refresh"] = "true"
    return response


def _download(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _audit_document(selection: Selection) -> dict[str, Any]:
    if selection.audit:
        return selection.audit
    # Before the draw the numbered lottery is already public; the record is completed later.
    return {
        "status": selection.status,
        "algorithm": {"name": selection.algorithm},
        "pool": {"sha256": selection.pool_sha256},
        "panel_size": selection.size,
        "tickets": selection.tickets,
        "lottery_sha256": selection.lottery_sha256,
        "panels": selection.lottery,
    }


def reproduce_script(selection: Selection) -> str:
    """A script anyone can run next to the downloaded files to re-check the draw."""
    households = f" --households {selection.household_column}" if selection.household_column else ""
    return render_to_string(
        "assemblies/reproduce.py.txt",
        {
            "selection": selection,
            "assembly": selection.assembly,
            "municipality": selection.assembly.municipality,
            "households": households,
            "seed": (selection.seed.value if selection.seed else "").replace("'", "'\\''"),
            "seed_json": json.dumps(selection.seed.value if selection.seed else ""),
            "panel_size": selection.size,
        },
    )


@require_GET
def draw_file(request: HttpRequest, pk: int, number: int, name: str) -> HttpResponse:
    """The published inputs and outputs of a draw, singly or as one zip file."""
    selection = _selection(request, pk, number)
    if selection.status in {
        Selection.Status.QUEUED,
        Selection.Status.SOLVING,
        Selection.Status.FAILED,
    }:
        raise Http404
    prefix = f"assembly-{selection.assembly_id}-draw-{selection.number}"
    if name == "audit.json":
        return JsonResponse(_audit_document(selection), json_dumps_params={"ensure_ascii": False})
    if name == FEATURES_FILE:
        return _download(selection.features_csv, FEATURES_FILE, "text/csv; charset=utf-8")
    if name == PEOPLE_FILE:
        return _download(selection.people_csv, PEOPLE_FILE, "text/csv; charset=utf-8")
    if name == "reproduce.py":
        return _download(
            reproduce_script(selection), "reproduce.py", "text/x-python; charset=utf-8"
        )
    if name == "bundle.zip":
        audit = json.dumps(_audit_document(selection), ensure_ascii=False, indent=1)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("audit.json", audit)
            archive.writestr(FEATURES_FILE, selection.features_csv)
            archive.writestr(PEOPLE_FILE, selection.people_csv)
            archive.writestr("reproduce.py", reproduce_script(selection))
        return _download(buffer.getvalue(), f"{prefix}.zip", "application/zip")
    raise Http404
