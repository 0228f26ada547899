"""Writes of moderation: reports, hide/restore, edits, merges, blocks, answers, spam holds.

Every moderator action checks the role in the content's municipality, writes one entry of the
moderation log (ModerationAction) and one audit entry, and publishes an event.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Membership, Role, User
from mitmachstadt.accounts.selectors import has_role, is_staff_member
from mitmachstadt.accounts.services import display_name_taken
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.antispam import check_participation
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.core.markup import render_markdown
from mitmachstadt.ideas import personal_data as idea_data
from mitmachstadt.ideas import search, workflow
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.models import Comment, Follow, Idea, IdeaLink, IdeaVersion, Reaction
from mitmachstadt.ideas.states import PUBLIC_STATES
from mitmachstadt.tenants.models import Municipality

from . import mail, spam
from .models import (
    AnswerTemplate,
    Block,
    ModerationAction,
    ModerationSettings,
    Reason,
    Report,
    SpamCheck,
    TargetKind,
)
from .selectors import active_block, moderation_settings

MAX_DETAILS = 2000
MAX_PUBLIC_REASON = 300
Kind = ModerationAction.Kind


# --- Helpers --------------------------------------------------------------------------------


def _require_moderator(municipality: Municipality, actor: Any) -> None:
    if not has_role(municipality, actor, Role.MODERATOR):
        raise PermissionDenied(_("Only moderators of this municipality may do this."))


def _default_language() -> Any:
    # Texts stored for the public (hidden reasons, notes) are written in the site's language.
    return translation.override(settings.LANGUAGE_CODE)


def target_kind(target: Model) -> str:
    if isinstance(target, Idea):
        return TargetKind.IDEA
    if isinstance(target, Comment):
        return TargetKind.COMMENT
    if isinstance(target, User):
        return TargetKind.PROFILE
    raise ValidationError(_("This cannot be moderated."))


def target_municipality_id(target: Model) -> int | None:
    if isinstance(target, Idea):
        return target.municipality_id
    if isinstance(target, Comment):
        return Idea.objects.filter(pk=target.idea_id).values_list("municipality_id", flat=True)[0]
    return None


def _belongs(municipality: Municipality, target: Model) -> bool:
    if isinstance(target, User):
        return Membership.objects.filter(user=target, municipality=municipality).exists()
    return target_municipality_id(target) == municipality.pk


def _target_fields(target: Model) -> dict[str, Any]:
    kind = target_kind(target)
    return {"kind": kind, kind: target}


def _log(
    action: str,
    *,
    municipality: Municipality,
    moderator: Any,
    target: Model | None,
    kind: str = "",
    reason: str = "",
    public_reason: str = "",
    note: str = "",
    report: Report | None = None,
    data: dict[str, Any] | None = None,
) -> ModerationAction:
    entry = ModerationAction.objects.create(
        municipality=municipality,
        action=action,
        moderator=moderator if getattr(moderator, "is_authenticated", False) else None,
        reason=reason,
        public_reason=public_reason,
        note=note,
        report=report,
        data=data or {},
        **(_target_fields(target) if target is not None else {"kind": kind}),
    )
    audit_record(
        action=f"moderation.{action}",
        municipality=municipality,
        actor=moderator,
        target=target if target is not None else report,
        data={"reason": reason, "public_reason": public_reason, "log": entry.pk, **(data or {})},
    )
    publish(
        Event(
            name=f"moderation.{action}",
            municipality_id=municipality.pk,
            actor_id=getattr(moderator, "pk", None),
            object_id=target.pk if target is not None else None,
            data={"kind": entry.kind, "reason": reason, "public_reason": public_reason},
        )
    )
    return entry


def _open_reports_on(target: Model) -> Any:
    kind = target_kind(target)
    return Report.objects.filter(kind=kind, status=Report.Status.OPEN, **{kind: target})


def _close_reports(target: Model, *, actor: Any, status: str, note: str = "") -> int:
    now = timezone.now()
    reports = _open_reports_on(target)
    ids = list(reports.values_list("pk", flat=True))
    transaction.on_commit(partial(mail.report_outcomes, ids))
    return Report.objects.filter(pk__in=ids).update(
        status=status, handled_by=actor, handled_at=now, note=note
    )


def _clean_public_reason(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"public_reason": _("Please give a public reason.")})
    if len(text) > MAX_PUBLIC_REASON:
        raise ValidationError(
            {
                "public_reason": _("The reason may have at most %(n)d characters.")
                % {"n": MAX_PUBLIC_REASON}
            }
        )
    return text


def _clean_reason_code(code: str) -> str:
    if code and code not in Reason.values:
        raise ValidationError({"reason": _("Please choose a reason from the list.")})
    return code


# --- Blocks as a participation rule ---------------------------------------------------------


def ensure_not_blocked(municipality: Any, user: Any) -> None:
    """Refuse writes of an account that is blocked in `municipality` (a participation check)."""
    block = active_block(municipality, user)
    if block is None:
        return
    if block.ends_at:
        until = timezone.localtime(block.ends_at).strftime("%d.%m.%Y %H:%M")
        message = _("Your account is blocked here until %(until)s. Reason: %(reason)s") % {
            "until": until,
            "reason": block.reason,
        }
    else:
        message = _("Your account is blocked here. Reason: %(reason)s") % {"reason": block.reason}
    raise PermissionDenied(message)


def blocked_author_guard(idea: Idea) -> None:
    # A blocked person's draft cannot be made public by anyone, co-authors included.
    owner = idea.author_links.filter(is_owner=True).select_related("user").first()
    if owner is not None:
        try:
            ensure_not_blocked(idea.municipality, owner.user)
        except PermissionDenied as error:
            raise ValidationError(str(error), code="blocked") from error


# --- Reports --------------------------------------------------------------------------------


def _reportable(municipality: Municipality, target: Model) -> bool:
    if not _belongs(municipality, target):
        return False
    if isinstance(target, Idea):
        return target.state in PUBLIC_STATES
    if isinstance(target, Comment):
        idea = target.idea
        return idea.state in PUBLIC_STATES and not idea.is_hidden and not target.is_deleted
    return isinstance(target, User) and target.is_active


@transaction.atomic
def report_create(
    *,
    municipality: Municipality,
    target: Model,
    reporter: Any,
    reason: str,
    details: str = "",
    ip_address: str | None = None,
) -> Report:
    """Report an idea, comment or profile to the moderators, with a reason."""
    if getattr(reporter, "is_authenticated", False):
        check_participation(municipality, reporter)
    else:
        reporter = None
    if not _reportable(municipality, target):
        raise ValidationError(_("This cannot be reported here."))
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Please choose a reason from the list.")})
    details = (details or "").strip()
    if len(details) > MAX_DETAILS:
        raise ValidationError(
            {"details": _("Please use at most %(n)d characters.") % {"n": MAX_DETAILS}}
        )
    if reason == Reason.OTHER and not details:
        raise ValidationError({"details": _("Please tell us briefly what is wrong.")})
    fields = _target_fields(target)
    if (
        reporter is not None
        and Report.objects.filter(
            municipality=municipality, reporter=reporter, status=Report.Status.OPEN, **fields
        ).exists()
    ):
        raise ValidationError(
            _("You have already reported this. The moderators will look at it soon.")
        )
    report = Report.objects.create(
        municipality=municipality,
        reporter=reporter,
        reporter_ip=ip_address or None,
        reason=reason,
        details=details,
        **fields,
    )
    audit_record(
        action="moderation.report",
        municipality=municipality,
        actor=reporter,
        target=report,
        data={"kind": report.kind, "reason": reason},
    )
    publish(
        Event(
            name="moderation.reported",
            municipality_id=municipality.pk,
            actor_id=getattr(reporter, "pk", None),
            object_id=report.pk,
            data={"kind": report.kind, "reason": reason},
        )
    )
    return report


@transaction.atomic
def report_assign(*, report: Report, actor: Any, assignee: Any | None) -> Report:
    """Give a report to a moderator (or take it back with None)."""
    _require_moderator(report.municipality, actor)
    if assignee is not None and not has_role(report.municipality, assignee, Role.MODERATOR):
        raise ValidationError(_("Reports can only be assigned to moderators."))
    report.assigned_to = assignee
    report.save(update_fields=["assigned_to"])
    _log(
        Kind.ASSIGN,
        municipality=report.municipality,
        moderator=actor,
        target=report.target,
        kind=report.kind,
        report=report,
        data={"assignee": getattr(assignee, "pk", None)},
    )
    return report


def _handle(report: Report, *, actor: Any, status: str, note: str, action: str) -> Report:
    _require_moderator(report.municipality, actor)
    if report.status != Report.Status.OPEN:
        raise ValidationError(_("This report has already been handled."))
    report.status = status
    report.handled_by = actor
    report.handled_at = timezone.now()
    report.note = (note or "").strip()
    report.save(update_fields=["status", "handled_by", "handled_at", "note"])
    transaction.on_commit(partial(mail.report_outcomes, [report.pk]))
    _log(
        action,
        municipality=report.municipality,
        moderator=actor,
        target=report.target,
        kind=report.kind,
        reason=report.reason,
        note=report.note,
        report=report,
    )
    return report


@transaction.atomic
def report_resolve(*, report: Report, actor: Any, note: str = "") -> Report:
    """Close a report as handled: action was taken."""
    return _handle(
        report, actor=actor, status=Report.Status.RESOLVED, note=note, action=Kind.RESOLVE
    )


@transaction.atomic
def report_dismiss(*, report: Report, actor: Any, note: str = "") -> Report:
    """Close a report without action; a post the spam filter held is released."""
    _handle(report, actor=actor, status=Report.Status.DISMISSED, note=note, action=Kind.DISMISS)
    target = report.target
    if (
        report.source == Report.Source.FILTER
        and isinstance(target, Idea | Comment)
        and target.is_hidden
        and _held_by_filter(target)
    ):
        content_restore(target=target, actor=actor, note=note)
    return report


BULK_ACTIONS = ("assign_me", "resolve", "dismiss", "hide")


@transaction.atomic
def reports_bulk(
    *,
    municipality: Municipality,
    actor: Any,
    report_ids: list[int],
    action: str,
    public_reason: str = "",
    reason: str = "",
) -> int:
    """Apply one action to many reports of the queue; returns how many were changed."""
    _require_moderator(municipality, actor)
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown action."))
    if action == "hide":
        public_reason = _clean_public_reason(public_reason)
        reason = _clean_reason_code(reason)
    reports = list(
        Report.objects.filter(municipality=municipality, pk__in=report_ids).select_related(
            "idea", "comment", "profile", "municipality"
        )
    )
    changed = 0
    for report in reports:
        if action == "assign_me":
            report_assign(report=report, actor=actor, assignee=actor)
            changed += 1
        elif report.status != Report.Status.OPEN:
            continue
        elif action == "resolve":
            report_resolve(report=report, actor=actor)
            changed += 1
        elif action == "dismiss":
            report_dismiss(report=report, actor=actor)
            changed += 1
        elif action == "hide":
            target = report.target
            if isinstance(target, Idea | Comment):
                if not target.is_hidden or _held_by_filter(target):
                    content_hide(
                        target=target,
                        actor=actor,
                        public_reason=public_reason,
                        reason=reason or report.reason,
                        report=report,
                    )
                else:
                    report_resolve(report=report, actor=actor)
                changed += 1
    return changed


# --- Hide, restore, edit --------------------------------------------------------------------


def _lock(target: Idea | Comment) -> Idea | Comment:
    model = type(target)
    return model.objects.select_for_update().get(pk=target.pk)


def _municipality_of(target: Idea | Comment) -> Municipality:
    if isinstance(target, Idea):
        return target.municipality
    return Idea.objects.select_related("municipality").get(comments=target).municipality


def hold_reason() -> str:
    with _default_language():
        return _("Held for review by the moderation team.")


def _held_by_filter(target: Idea | Comment) -> bool:
    return target.hidden_reason == hold_reason()


@transaction.atomic
def content_hide(
    *,
    target: Idea | Comment,
    actor: Any,
    public_reason: str,
    reason: str = "",
    note: str = "",
    report: Report | None = None,
) -> ModerationAction:
    """Hide an idea or comment; the public sees “hidden by moderation” and the reason."""
    municipality = _municipality_of(target)
    _require_moderator(municipality, actor)
    public_reason = _clean_public_reason(public_reason)
    reason = _clean_reason_code(reason)
    locked = _lock(target)
    locked.is_hidden = True
    locked.hidden_reason = public_reason
    locked.save(update_fields=["is_hidden", "hidden_reason"])
    target.is_hidden, target.hidden_reason = True, public_reason
    entry = _log(
        Kind.HIDE,
        municipality=municipality,
        moderator=actor,
        target=locked,
        reason=reason,
        public_reason=public_reason,
        note=(note or "").strip(),
        report=report,
    )
    _close_reports(locked, actor=actor, status=Report.Status.RESOLVED, note=note)
    transaction.on_commit(
        partial(mail.content_decision, locked, action="hide", reason=public_reason)
    )
    return entry


@transaction.atomic
def content_restore(
    *, target: Idea | Comment, actor: Any, note: str = "", report: Report | None = None
) -> ModerationAction:
    """Show hidden content again (a mistake, a successful appeal, or a released hold)."""
    municipality = _municipality_of(target)
    _require_moderator(municipality, actor)
    locked = _lock(target)
    if not locked.is_hidden:
        raise ValidationError(_("This is not hidden."))
    locked.is_hidden = False
    locked.hidden_reason = ""
    locked.save(update_fields=["is_hidden", "hidden_reason"])
    target.is_hidden, target.hidden_reason = False, ""
    _close_reports(locked, actor=actor, status=Report.Status.DISMISSED, note=note)
    transaction.on_commit(partial(mail.content_decision, locked, action="restore"))
    return _log(
        Kind.RESTORE,
        municipality=municipality,
        moderator=actor,
        target=locked,
        note=(note or "").strip(),
        report=report,
    )


def _edit_note_html(note: str) -> str:
    with _default_language():
        label = _("Edited by the moderation team on %(date)s") % {
            "date": timezone.localtime().strftime("%d.%m.%Y")
        }
    return format_html('<p class="moderation-note"><em>{}: {}</em></p>', label, note)


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("Please say what you changed; it is shown publicly.")})
    return note[:200]


@transaction.atomic
def idea_edit(*, idea: Idea, actor: Any, title: str, text: str, note: str) -> Idea:
    """Correct an idea (typos, removed personal data); the change is shown with a note."""
    _require_moderator(idea.municipality, actor)
    note = _clean_note(note)
    title = " ".join((title or "").split())
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not 5 <= len(title) <= idea_services.MAX_TITLE:
        errors["title"] = _("A title needs 5 to %(n)d characters.") % {"n": idea_services.MAX_TITLE}
    if not 20 <= len(text) <= idea_services.MAX_TEXT:
        errors["text"] = _("A text needs 20 to %(n)d characters.") % {"n": idea_services.MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    before = {"title": locked.title, "text": locked.text}
    locked.title, locked.text = title, text
    locked.text_html = render_markdown(text) + _edit_note_html(note)
    locked.version += 1
    locked.save(update_fields=["title", "text", "text_html", "version", "updated"])
    with _default_language():
        version_note = _("Edited by the moderation team: %(note)s") % {"note": note}
    IdeaVersion.objects.create(
        idea=locked,
        number=locked.version,
        title=title,
        text=text,
        field_names=sorted(f.name for f in locked.fields.all()),
        author=actor,
        note=version_note[:200],
    )
    search.index_idea(locked)
    _log(
        Kind.EDIT,
        municipality=locked.municipality,
        moderator=actor,
        target=locked,
        public_reason=note,
        data={
            "version": locked.version,
            "changed": [k for k in before if before[k] != getattr(locked, k)],
        },
    )
    return locked


@transaction.atomic
def comment_edit(*, comment: Comment, actor: Any, text: str, note: str) -> Comment:
    """Correct a comment; the change is shown with a note."""
    municipality = _municipality_of(comment)
    _require_moderator(municipality, actor)
    note = _clean_note(note)
    text = (text or "").strip()
    if not text or len(text) > idea_services.MAX_COMMENT:
        raise ValidationError(
            {"text": _("A comment needs 1 to %(n)d characters.") % {"n": idea_services.MAX_COMMENT}}
        )
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.is_deleted:
        raise ValidationError(_("A deleted comment cannot be edited."))
    locked.text = text
    locked.text_html = render_markdown(text) + _edit_note_html(note)
    locked.edited_at = timezone.now()
    locked.save(update_fields=["text", "text_html", "edited_at"])
    _log(Kind.EDIT, municipality=municipality, moderator=actor, target=locked, public_reason=note)
    return locked


@transaction.atomic
def profile_reset_name(
    *, municipality: Municipality, user: User, actor: Any, note: str = ""
) -> User:
    """Replace an inappropriate display name by a neutral one."""
    _require_moderator(municipality, actor)
    if not _belongs(municipality, user):
        raise PermissionDenied(_("This account does not take part here."))
    with _default_language():
        base = _("Participant %(number)s") % {"number": user.pk}
    name, n = base, 1
    while display_name_taken(name, exclude_user=user):
        n += 1
        name = f"{base}-{n}"
    User.objects.filter(pk=user.pk).update(display_name=name)
    user.display_name = name
    _close_reports(user, actor=actor, status=Report.Status.RESOLVED, note=note)
    _log(
        Kind.RENAME,
        municipality=municipality,
        moderator=actor,
        target=user,
        reason=Reason.NAME,
        note=note,
    )
    return user


# --- Merge ----------------------------------------------------------------------------------


@transaction.atomic
def idea_merge(*, idea: Idea, into: Idea, actor: Any, reason: str) -> Idea:
    """Merge a duplicate into another idea: followers, reactions and comments move with it."""
    _require_moderator(idea.municipality, actor)
    workflow.merge(idea=idea, into=into, actor=actor, reason=reason)
    # Lock both in a fixed order so that concurrent reactions wait for the move.
    locked = {
        i.pk: i
        for i in Idea.objects.select_for_update().filter(pk__in=[idea.pk, into.pk]).order_by("pk")
    }
    source, target = locked[idea.pk], locked[into.pk]

    target_reactors = Reaction.objects.filter(idea=target).values_list("user_id", flat=True)
    Reaction.objects.filter(idea=source, user_id__in=list(target_reactors)).delete()
    moved_reactions = Reaction.objects.filter(idea=source).update(idea=target)

    target_followers = Follow.objects.filter(idea=target).values_list("user_id", flat=True)
    Follow.objects.filter(idea=source, user_id__in=list(target_followers)).delete()
    moved_follows = Follow.objects.filter(idea=source).update(idea=target)

    moved_comments = Comment.objects.filter(idea=source).update(idea=target)
    if not IdeaLink.objects.filter(source=source, target=target).exists():
        IdeaLink.objects.create(
            source=source, target=target, kind=IdeaLink.Kind.DUPLICATE_OF, created_by=actor
        )
    idea_data.recount(source)
    idea_data.recount(target)
    _close_reports(source, actor=actor, status=Report.Status.RESOLVED, note=reason)
    _log(
        Kind.MERGE,
        municipality=source.municipality,
        moderator=actor,
        target=source,
        reason=Reason.DUPLICATE,
        public_reason=" ".join(reason.split())[:MAX_PUBLIC_REASON],
        data={
            "into": target.pk,
            "reactions": moved_reactions,
            "follows": moved_follows,
            "comments": moved_comments,
        },
    )
    idea.refresh_from_db()
    return idea


# --- Blocks ---------------------------------------------------------------------------------


def _block_mail(block: Block, *, lifted: bool = False) -> None:
    user = block.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        municipality = block.municipality.name
        if lifted:
            subject = _("Your account is no longer blocked")
            body = _(
                "Hello,\n\nthe block of your account on the participation platform of "
                "%(municipality)s has been lifted. You can take part again.\n"
            ) % {"municipality": municipality}
        else:
            until = (
                timezone.localtime(block.ends_at).strftime("%d.%m.%Y %H:%M")
                if block.ends_at
                else _("further notice")
            )
            subject = _("Your account has been blocked")
            body = _(
                "Hello,\n\nthe moderation team of %(municipality)s has blocked your account on "
                "the participation platform until %(until)s.\n\nReason: %(reason)s\n\n"
                "While it is blocked you can read everything, download or delete your data, "
                "but not post, comment, react or report. If you think this is a mistake, "
                "please answer this e-mail.\n"
            ) % {"municipality": municipality, "until": until, "reason": block.reason}
    send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body,
        None,
        [user.email],
        fail_silently=True,
    )


@transaction.atomic
def account_block(
    *,
    municipality: Municipality,
    user: User,
    actor: Any,
    reason: str,
    ends_at: dt.datetime | None = None,
    note: str = "",
    report: Report | None = None,
) -> Block:
    """Block an account in this municipality, until `ends_at` or until lifted."""
    _require_moderator(municipality, actor)
    if not _belongs(municipality, user):
        raise PermissionDenied(_("This account does not take part here."))
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot block your own account."))
    if user.is_operator or is_staff_member(municipality, user):
        raise ValidationError(
            _("Staff accounts cannot be blocked; an administrator can remove the role instead.")
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Please give a reason; the account holder sees it.")})
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": _("The end of the block must lie in the future.")})
    if active_block(municipality, user) is not None:
        raise ValidationError(
            _("This account is already blocked. Lift the block first to change it.")
        )
    block = Block.objects.create(
        municipality=municipality,
        user=user,
        reason=reason[:300],
        note=(note or "").strip(),
        starts_at=now,
        ends_at=ends_at,
        created_by=actor,
    )
    _close_reports(user, actor=actor, status=Report.Status.RESOLVED, note=note)
    _log(
        Kind.BLOCK,
        municipality=municipality,
        moderator=actor,
        target=user,
        public_reason=reason[:300],
        note=(note or "").strip(),
        report=report,
        data={"block": block.pk, "until": ends_at.isoformat() if ends_at else None},
    )
    transaction.on_commit(partial(_block_mail, block))
    return block


@transaction.atomic
def account_unblock(*, block: Block, actor: Any, note: str = "") -> Block:
    """Lift a block before its end."""
    _require_moderator(block.municipality, actor)
    if not block.is_active():
        raise ValidationError(_("This block is not active."))
    block.lifted_at = timezone.now()
    block.lifted_by = actor
    block.save(update_fields=["lifted_at", "lifted_by"])
    _log(
        Kind.UNBLOCK,
        municipality=block.municipality,
        moderator=actor,
        target=block.user,
        note=(note or "").strip(),
        data={"block": block.pk},
    )
    transaction.on_commit(partial(_block_mail, block, lifted=True))
    return block


# --- Official answers from templates ---------------------------------------------------------


def _clean_template(title: str, text: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    text = (text or "").strip()
    errors = {}
    if not 3 <= len(title) <= 120:
        errors["title"] = _("A title needs 3 to 120 characters.")
    if len(text) < 10:
        errors["text"] = _("Please write at least 10 characters.")
    if errors:
        raise ValidationError(errors)
    return title, text


@transaction.atomic
def answer_template_save(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    text: str,
    template: AnswerTemplate | None = None,
) -> AnswerTemplate:
    """Create or change a reusable answer text."""
    _require_moderator(municipality, actor)
    title, text = _clean_template(title, text)
    if template is not None and template.municipality_id != municipality.pk:
        raise PermissionDenied
    clash = AnswerTemplate.objects.filter(municipality=municipality, title__iexact=title)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"title": _("A template with this title exists already.")})
    if template is None:
        template = AnswerTemplate.objects.create(
            municipality=municipality, title=title, text=text, created_by=actor
        )
    else:
        template.title, template.text = title, text
        template.save(update_fields=["title", "text", "updated"])
    audit_record(
        action="moderation.answer_template_save",
        municipality=municipality,
        actor=actor,
        target=template,
    )
    return template


@transaction.atomic
def answer_template_delete(*, template: AnswerTemplate, actor: Any) -> None:
    """Remove an answer template (answers written with it stay)."""
    _require_moderator(template.municipality, actor)
    audit_record(
        action="moderation.answer_template_delete",
        municipality=template.municipality,
        actor=actor,
        target=template,
        data={"title": template.title},
    )
    template.delete()


def fill_template(template: AnswerTemplate, idea: Idea) -> str:
    """The template's text for this idea ({title}, {municipality} filled in)."""
    return template.text.replace("{title}", idea.title).replace(
        "{municipality}", idea.municipality.name
    )


@transaction.atomic
def answer_publish(
    *, idea: Idea, actor: Any, text: str, template: AnswerTemplate | None = None
) -> Any:
    """Publish an official answer (optionally written from a template) and log it."""
    _require_moderator(idea.municipality, actor)
    if template is not None and template.municipality_id != idea.municipality_id:
        raise PermissionDenied
    answer = idea_services.answer_create(idea=idea, actor=actor, text=text)
    _log(
        Kind.ANSWER,
        municipality=idea.municipality,
        moderator=actor,
        target=idea,
        data={"answer": answer.pk, "template": template.pk if template else None},
    )
    return answer


# --- Spam filter ----------------------------------------------------------------------------


@transaction.atomic
def settings_update(
    *,
    municipality: Municipality,
    actor: Any,
    spam_threshold: float,
    blocked_terms: str,
    hold_first_posts: bool,
) -> ModerationSettings:
    """Change how strict the spam filter of the municipality is."""
    _require_moderator(municipality, actor)
    if not 0.1 <= spam_threshold <= 10:
        raise ValidationError({"spam_threshold": _("Please choose a value from 0.1 to 10.")})
    config = moderation_settings(municipality)
    config.spam_threshold = spam_threshold
    config.blocked_terms = "\n".join(
        line.strip() for line in (blocked_terms or "").splitlines() if line.strip()
    )
    config.hold_first_posts = hold_first_posts
    config.save()
    audit_record(
        action="moderation.settings",
        municipality=municipality,
        actor=actor,
        target=config,
        data={"spam_threshold": spam_threshold, "hold_first_posts": hold_first_posts},
    )
    return config


def _spam_input(
    municipality: Municipality,
    *,
    author: User,
    title: str,
    text: str,
    digest: str,
    ip_address: str | None,
    config: ModerationSettings,
) -> spam.SpamInput:
    now = timezone.now()
    checks = SpamCheck.objects.filter(municipality=municipality)
    accounts_on_ip = 0
    if ip_address:
        accounts_on_ip = (
            checks.filter(ip_address=ip_address, created__gte=now - dt.timedelta(hours=24))
            .exclude(author=author)
            .values("author")
            .distinct()
            .count()
            + 1
        )
    hidden = (
        Idea.objects.filter(municipality=municipality, created_by=author, is_hidden=True).count()
        + Comment.objects.filter(
            idea__municipality=municipality, author=author, is_hidden=True
        ).count()
    )
    return spam.SpamInput(
        text=text,
        title=title,
        account_age_seconds=(now - author.date_joined).total_seconds(),
        recent_posts=checks.filter(
            author=author, created__gte=now - dt.timedelta(minutes=10)
        ).count(),
        duplicates=checks.filter(digest=digest, created__gte=now - dt.timedelta(hours=24)).count(),
        previously_hidden=hidden,
        accounts_on_ip=accounts_on_ip,
        is_first_post=not checks.filter(author=author).exists(),
        blocked_terms=config.terms,
        hold_first_posts=config.hold_first_posts,
    )


@transaction.atomic
def spam_check(
    *, target: Idea | Comment, author: User | None, ip_address: str | None = None
) -> SpamCheck | None:
    """Score new content; at or above the threshold it is hidden and waits in the queue."""
    municipality = _municipality_of(target)
    if author is None or author.is_operator or is_staff_member(municipality, author):
        return None
    if target.is_demo:
        # Seeded demo content arrives in bulk; it would look like a flood.
        return None
    config = moderation_settings(municipality)
    if isinstance(target, Idea):
        title, text = target.title, target.text
    else:
        title, text = "", target.text
    digest = spam.digest(f"{title}\n{text}")
    result = spam.score(
        _spam_input(
            municipality,
            author=author,
            title=title,
            text=text,
            digest=digest,
            ip_address=ip_address,
            config=config,
        )
    )
    locked = _lock(target)
    held = result.score >= config.spam_threshold and not locked.is_hidden
    check = SpamCheck.objects.create(
        municipality=municipality,
        author=author,
        score=result.score,
        signals=result.signals,
        held=held,
        digest=digest,
        ip_address=ip_address or None,
        **_target_fields(target),
    )
    if held:
        reason = hold_reason()
        locked.is_hidden, locked.hidden_reason = True, reason
        locked.save(update_fields=["is_hidden", "hidden_reason"])
        with _default_language():
            details = "; ".join(result.labels())
        report = Report.objects.create(
            municipality=municipality,
            reason=Reason.SPAM,
            source=Report.Source.FILTER,
            details=f"{details} ({result.score:.2f})",
            spam_check=check,
            **_target_fields(target),
        )
        _log(
            Kind.HOLD,
            municipality=municipality,
            moderator=None,
            target=locked,
            reason=Reason.SPAM,
            public_reason=reason,
            report=report,
            data={"score": result.score, "signals": result.signals},
        )
        transaction.on_commit(partial(mail.content_decision, locked, action="hold"))
    return check
