from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "mitmachstadt.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from mitmachstadt.core import bus

        from . import services

        bus.subscribe("idea.transition", services.project_ensure_after_transition)
