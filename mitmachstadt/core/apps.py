from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mitmachstadt.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import pagecache

        pagecache.connect_signals()
