from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "mitmachstadt.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from mitmachstadt.core import bus

        from . import handlers, scheduler

        for name in handlers.EVENTS:
            bus.subscribe(name, handlers.on_event)
        if scheduler.is_worker_process():
            scheduler.start_in_background()
