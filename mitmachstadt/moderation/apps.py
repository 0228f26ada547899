from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "mitmachstadt.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from mitmachstadt.core import antispam, bus
        from mitmachstadt.ideas import workflow

        from . import handlers, services

        antispam.register_participation_check(services.ensure_not_blocked)
        for name in ("submit", "resubmit", "revise_and_resubmit"):
            workflow.register_guard(name, services.blocked_author_guard)
        bus.subscribe("idea.transition", handlers.on_idea_transition)
        bus.subscribe("comment.created", handlers.on_comment_created)
