from django.urls import path

from mitmachstadt.core import pagecache

from .api import api

# Public reads whose anonymous answers the page cache may keep (core/pagecache.py: only GET,
# only visitors without session or token, per municipality generation, host and language).
# Not the GeoJSON (it keeps its own compressed copy and answers by Accept-Encoding) and not
# similar ideas (cached per text in ideas.search; the rate limit stays in front of them).
CACHEABLE = frozenset({"list_ideas", "get_idea", "list_comments", "list_links"})

# Not named app_name: include() would read that as this module's namespace.
_patterns, _app, _namespace = api.urls
for _pattern in _patterns:
    # One view per path serves all its methods; the middleware stores GET answers only.
    callback = getattr(_pattern, "callback", None)
    if callback is not None and getattr(_pattern, "name", None) in CACHEABLE:
        pagecache.cacheable(callback)

urlpatterns = [path("", (_patterns, _app, _namespace))]
