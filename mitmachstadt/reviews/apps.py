from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "mitmachstadt.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from mitmachstadt.core import bus
        from mitmachstadt.ideas import workflow

        from . import services

        # "accept" needs a complete criteria assessment (DESIGN.md §1).
        workflow.register_guard("accept", services.require_complete_assessment)
        bus.subscribe("idea.transition", services.publish_after_transition)
