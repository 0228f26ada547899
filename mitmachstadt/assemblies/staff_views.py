"""Staff pages under /staff/assemblies/: the whole workflow of a citizens' assembly."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.tenants.selectors import primary_host

from . import selectors, services
from .forms import (
    AssemblyForm,
    CodeForm,
    DropForm,
    QuotaForm,
    RecommendationForm,
    RegisterForm,
    ResponseForm,
    RevealForm,
    SeedForm,
    apply_errors,
)
from .letters import letters_pdf
from .models import Assembly, Invitation, Member, Recommendation, Seed, Selection
from .register import RegisterError

organiser_required = role_required(*services.ORGANISER_ROLES)


def _m(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _assembly(request: HttpRequest, pk: int) -> Assembly:
    assembly = Assembly.objects.filter(municipality=_m(request), pk=pk).first()
    if assembly is None:
        raise Http404
    return assembly


def _back(assembly: Assembly, anchor: str = "") -> HttpResponse:
    response = redirect("assemblies:staff_assembly", pk=assembly.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _error(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@organiser_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """All assemblies of the municipality."""
    return render(
        request,
        "assemblies/staff/index.html",
        {"assemblies": selectors.staff_assemblies(_m(request))},
    )


@organiser_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """A new assembly."""
    form = AssemblyForm(
        request.POST or None,
        initial={
            "stratify_by_district": True,
            "one_per_household": True,
            "min_age": 16,
            "algorithm": "leximin",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            assembly = services.assembly_create(
                municipality=_m(request), actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The assembly is created. Next: the quotas."))
            return _back(assembly)
    return render(request, "assemblies/staff/form.html", {"form": form, "assembly": None})


@organiser_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    form = AssemblyForm(request.POST or None, initial=AssemblyForm.initial_for(assembly))
    if request.method == "POST" and form.is_valid():
        try:
            services.assembly_update(assembly=assembly, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The settings are saved."))
            return _back(assembly)
    return render(request, "assemblies/staff/form.html", {"form": form, "assembly": assembly})


def _seed_for(open_selection: Selection | None, assembly: Assembly, purpose: str) -> Seed | None:
    """The seed to show for a step: the running lottery's, or the one announced for the next."""
    kind = Selection.Kind.MAIN if purpose == Seed.Purpose.SELECTION else Selection.Kind.REPLACEMENT
    if (
        open_selection is not None
        and open_selection.kind == kind
        and open_selection.status != Selection.Status.FAILED
    ):
        return open_selection.seed
    return services.pending_seed(assembly, purpose)


@organiser_required
@require_GET
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The workflow of one assembly, step by step, with what to do next."""
    assembly = _assembly(request, pk)
    register = assembly.imports.first()
    selections = list(selectors.selections(assembly))
    seeds = list(selectors.seeds(assembly))
    invitation_seed = next(
        (s for s in reversed(seeds) if s.purpose == Seed.Purpose.INVITATIONS), None
    )
    open_selection = next((s for s in selections if s.status != Selection.Status.DRAWN), None)
    ready = open_selection is not None and open_selection.status == Selection.Status.READY
    return render(
        request,
        "assemblies/staff/overview.html",
        {
            "assembly": assembly,
            "categories": selectors.categories(assembly),
            "register": register,
            "seeds": seeds,
            "invitation_seed": invitation_seed,
            "can_announce_invitations": assembly.stage == Assembly.Stage.DRAFT
            and not (invitation_seed and invitation_seed.is_revealed),
            "lottery_ready": ready,
            "can_announce_lottery_seed": open_selection is None
            or open_selection.status == Selection.Status.FAILED,
            "can_start_selection": assembly.stage == Assembly.Stage.CLOSED
            and (open_selection is None or open_selection.status == Selection.Status.FAILED),
            "can_start_replacement": assembly.stage == Assembly.Stage.SELECTED
            and (open_selection is None or open_selection.status == Selection.Status.FAILED),
            "selection_seed": _seed_for(open_selection, assembly, Seed.Purpose.SELECTION),
            "replacement_seed": _seed_for(open_selection, assembly, Seed.Purpose.REPLACEMENT),
            "selections": selections,
            "open_selection": open_selection,
            "figures": selectors.response_figures(assembly),
            "vacancies": services.vacancies(assembly),
            "recommendation_count": assembly.recommendations.count(),
            "seed_forms": {
                purpose: SeedForm(initial={"purpose": purpose}) for purpose in Seed.Purpose.values
            },
            "reveal_form": RevealForm(),
            "register_form": RegisterForm(),
        },
    )


@organiser_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    public = request.POST.get("public") == "1"
    services.assembly_publish(assembly=assembly, actor=request.user, public=public)
    messages.success(
        request, _("The assembly is public.") if public else _("The assembly is hidden.")
    )
    return _back(assembly)


@organiser_required
@require_http_methods(["GET", "POST"])
def quotas(request: HttpRequest, pk: int) -> HttpResponse:
    """The quotas as CSV text, with errors naming line and column."""
    assembly = _assembly(request, pk)
    form = QuotaForm(request.POST or None, initial={"text": services.quotas_text(assembly)})
    if request.method == "POST" and form.is_valid():
        try:
            services.quotas_set(
                assembly=assembly, actor=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The quotas are saved."))
            return _back(assembly, "step-quotas")
    return render(
        request,
        "assemblies/staff/quotas.html",
        {"assembly": assembly, "form": form, "categories": selectors.categories(assembly)},
    )


@organiser_required
@require_POST
def seed_announce(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    form = SeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please describe the source of the seed."))
        return _back(assembly)
    try:
        seed, secret = services.seed_announce(
            assembly=assembly, actor=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        _error(request, error)
        return _back(assembly)
    if secret:
        return render(
            request,
            "assemblies/staff/secret.html",
            {"assembly": assembly, "seed": seed, "secret": secret},
        )
    messages.success(request, _("The seed is announced on the public page."))
    return _back(assembly, f"step-{seed.purpose}")


@organiser_required
@require_POST
def seed_reveal(request: HttpRequest, pk: int, seed_pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    seed = Seed.objects.filter(assembly=assembly, pk=seed_pk).first()
    if seed is None:
        raise Http404
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            services.seed_reveal(seed=seed, actor=request.user, value=form.cleaned_data["value"])
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("The seed is revealed."))
    return _back(assembly, f"step-{seed.purpose}")


@organiser_required
@require_POST
def register_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the population-register extract; errors name line and column."""
    assembly = _assembly(request, pk)
    form = RegisterForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.register_import(
                assembly=assembly,
                actor=request.user,
                data=upload.read(),
                filename=upload.name or "register.csv",
            )
        except RegisterError as error:
            messages.error(
                request,
                _("Nothing was imported. %(problem)s") % {"problem": error.messages[0]},
            )
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(
                request,
                _("%(n)s people imported, %(eligible)s of them eligible.")
                % {"n": record.rows, "eligible": record.eligible},
            )
    else:
        messages.error(request, _("Please choose a CSV file."))
    return _back(assembly, "step-register")


@organiser_required
@require_POST
def invitations_draw(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    try:
        invites = services.invitations_draw(assembly=assembly, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            _("%(n)s invitations are drawn; the register data are deleted.") % {"n": len(invites)},
        )
    return _back(assembly, "step-invitations")


@organiser_required
@require_GET
def letters(request: HttpRequest, pk: int) -> HttpResponse:
    """All invitation letters with reply forms as one PDF to print."""
    assembly = _assembly(request, pk)
    invites = selectors.invitations(assembly).filter(address_erased_at__isnull=True)
    if not invites.exists():
        raise Http404
    scheme = "https" if request.is_secure() else "http"
    pdf = letters_pdf(
        assembly,
        invites.iterator(chunk_size=500),
        answer_url=f"{scheme}://{primary_host(assembly.municipality)}/assemblies/{assembly.pk}/respond/",
        sender=assembly.municipality.contact_email or primary_host(assembly.municipality),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invitations-{assembly.pk}.pdf"'
    return response


@organiser_required
@require_http_methods(["GET", "POST"])
def responses(request: HttpRequest, pk: int) -> HttpResponse:
    """Answers so far, the pool against the quotas, and paper replies by code."""
    assembly = _assembly(request, pk)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.invitation_for_code(assembly, form.cleaned_data["code"])
        if invitation is None:
            form.add_error("code", _("This code is not valid."))
        else:
            return redirect("assemblies:staff_paper", pk=assembly.pk, number=invitation.number)
    return render(
        request,
        "assemblies/staff/responses.html",
        {
            "assembly": assembly,
            "form": form,
            "figures": selectors.response_figures(assembly),
            "quota_rows": selectors.quota_table(assembly),
            "responses": assembly.responses.select_related("invitation").order_by(
                "invitation__number"
            ),
        },
    )


@organiser_required
@require_http_methods(["GET", "POST"])
def paper_reply(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Enter a reply that came back on paper."""
    assembly = _assembly(request, pk)
    invitation = Invitation.objects.filter(assembly=assembly, number=number).first()
    if invitation is None:
        raise Http404
    categories = selectors.categories(assembly)
    form = ResponseForm(request.POST or None, categories=categories, district=invitation.district)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(
                invitation=invitation,
                willing=form.cleaned_data["willing"],
                consent=form.cleaned_data["consent"],
                answers=form.answers(),
                contact_email=form.cleaned_data["contact_email"],
                contact_phone=form.cleaned_data["contact_phone"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("The reply to letter no. %(n)s is saved.") % {"n": invitation.number}
            )
            return redirect("assemblies:staff_responses", pk=assembly.pk)
    return render(
        request,
        "assemblies/staff/paper.html",
        {"assembly": assembly, "invitation": invitation, "form": form},
    )


@organiser_required
@require_POST
def responses_close(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    try:
        services.responses_close(assembly=assembly, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Answers are closed."))
    return _back(assembly, "step-selection")


@organiser_required
@require_POST
def selection_start(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    try:
        selection = services.selection_start(assembly=assembly, actor=request.user)
    except ValidationError as error:
        _error(request, error)
        return _back(assembly, "step-selection")
    return redirect(selection.get_absolute_url())


@organiser_required
@require_POST
def selection_draw(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    selection = selectors.selection_light(assembly, number)
    if selection is None:
        raise Http404
    try:
        services.selection_draw(selection=selection, actor=request.user)
    except ValidationError as error:
        _error(request, error)
        return _back(assembly, "step-selection")
    return redirect(selection.get_absolute_url())


@organiser_required
@require_POST
def selection_retry(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    selection = selectors.selection_light(assembly, number)
    if selection is None:
        raise Http404
    try:
        services.selection_retry(selection=selection, actor=request.user)
    except ValidationError as error:
        _error(request, error)
        return _back(assembly, "step-selection")
    return redirect(selection.get_absolute_url())


@organiser_required
@require_GET
def members(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: who sits on it, how to reach them, drop-outs and replacements."""
    assembly = _assembly(request, pk)
    return render(
        request,
        "assemblies/staff/members.html",
        {
            "assembly": assembly,
            "members": selectors.members(assembly),
            "vacancies": services.vacancies(assembly),
            "drop_form": DropForm(),
        },
    )


@organiser_required
@require_POST
def member_drop(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    member = (
        Member.objects.filter(assembly=assembly, pk=member_pk).select_related("response").first()
    )
    if member is None:
        raise Http404
    form = DropForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.member_drop(member=member, actor=request.user, reason=reason)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The seat is vacant; draw a replacement."))
    return redirect("assemblies:staff_members", pk=assembly.pk)


@organiser_required
@require_POST
def replacement_start(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    try:
        selection = services.replacement_start(assembly=assembly, actor=request.user)
    except ValidationError as error:
        _error(request, error)
        return _back(assembly, "step-replacement")
    return redirect(selection.get_absolute_url())


@organiser_required
@require_GET
def recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    return render(
        request,
        "assemblies/staff/recommendations.html",
        {
            "assembly": assembly,
            "recommendations": selectors.recommendations(assembly, public=False),
        },
    )


@organiser_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int, rec_pk: int | None = None) -> HttpResponse:
    """Write a recommendation, link ideas, record the council's decision."""
    assembly = _assembly(request, pk)
    recommendation = (
        Recommendation.objects.filter(assembly=assembly, pk=rec_pk).first() if rec_pk else None
    )
    if rec_pk and recommendation is None:
        raise Http404
    initial = None
    if recommendation is not None:
        initial = {
            "number": recommendation.number,
            "title": recommendation.title,
            "text": recommendation.text,
            "support": recommendation.support,
            "ideas": list(recommendation.ideas.all()),
            "decision": recommendation.decision,
            "decision_reference": recommendation.decision_reference,
            "decision_date": recommendation.decision_date,
            "decision_note": recommendation.decision_note,
        }
    form = RecommendationForm(request.POST or None, initial=initial, municipality=_m(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_save(
                assembly=assembly,
                actor=request.user,
                recommendation=recommendation,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The recommendation is saved."))
            return redirect("assemblies:staff_recommendations", pk=assembly.pk)
    return render(
        request,
        "assemblies/staff/recommendation_form.html",
        {"assembly": assembly, "form": form, "recommendation": recommendation},
    )


@organiser_required
@require_POST
def recommendations_publish(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    count = services.recommendations_publish(assembly=assembly, actor=request.user)
    messages.success(request, _("%(n)s recommendations published.") % {"n": count})
    return redirect("assemblies:staff_recommendations", pk=assembly.pk)


@organiser_required
@require_POST
def conclude(request: HttpRequest, pk: int) -> HttpResponse:
    assembly = _assembly(request, pk)
    try:
        services.assembly_conclude(assembly=assembly, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(
            request, _("The assembly is concluded; names and contact data are deleted.")
        )
    return _back(assembly)
