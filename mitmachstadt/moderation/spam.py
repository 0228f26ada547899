"""Spam score of new content, computed here from what the platform itself knows.

No third-party service and no device fingerprinting: the signals are the text itself, the
account's age and recent activity on this platform, copies of the same text, terms the
municipality chose to hold back, and how many accounts posted from one IP address recently (the
address is kept for a few days only). The score is a sum of weights; a post at or above the
municipality's threshold is held for review by a person, never deleted automatically.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|info|biz|ru|xyz|top|shop)\b", re.I
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
# Phone numbers as people write them in Germany: +49 / 0049 / 0 and then at least 8 digits.
PHONE_RE = re.compile(
    r"(?<![\w.+])(?:\+\d{2}|00\d{2}|0)[ /-]?\d{2,5}[ /-]?\d{3,}(?:[ -]?\d{1,5})?(?!\w)"
)
REPEAT_RE = re.compile(r"(.)\1{7,}")

# What each signal adds to the score, and what a moderator reads about it.
SIGNALS: dict[str, tuple[float, object]] = {
    "links_some": (0.3, _("contains two links")),
    "links_many": (0.7, _("contains three or more links")),
    "link_heavy": (0.3, _("mostly a link, little text")),
    "blocked_term": (1.0, _("contains a term the municipality holds back")),
    "duplicate": (0.8, _("the same text was posted recently")),
    "burst": (0.5, _("many posts from this account within minutes")),
    "flood": (1.0, _("very many posts from this account within minutes")),
    "new_account_link": (0.4, _("a brand-new account posting a link")),
    "shouting": (0.3, _("written mostly in capital letters")),
    "repeated_chars": (0.2, _("long runs of the same character")),
    "previously_hidden": (0.4, _("earlier posts of this account were hidden")),
    "shared_ip": (0.5, _("several accounts posted from the same address recently")),
    "contact_data": (0.3, _("contains an e-mail address or phone number")),
    "first_post": (1.0, _("first post of a new account (held by setting)")),
}


@dataclass
class SpamInput:
    text: str
    title: str = ""
    account_age_seconds: float = 10**9
    recent_posts: int = 0
    duplicates: int = 0
    previously_hidden: int = 0
    accounts_on_ip: int = 0
    is_first_post: bool = False
    blocked_terms: list[str] = field(default_factory=list)
    hold_first_posts: bool = False


@dataclass
class SpamResult:
    score: float
    signals: list[str]

    def labels(self) -> list[str]:
        return [str(SIGNALS[code][1]) for code in self.signals]


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: copies match despite small edits."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def digest(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def matches_term(text: str, term: str) -> bool:
    pattern = (
        r"(?<!\w)" + r"\s+".join(re.escape(part) for part in normalise(term).split()) + r"(?!\w)"
    )
    return bool(normalise(term)) and re.search(pattern, normalise(text)) is not None


def score(data: SpamInput) -> SpamResult:
    """The spam score of one post and the signals behind it."""
    text = f"{data.title}\n{data.text}".strip()
    signals: list[str] = []
    links = URL_RE.findall(text)
    if len(links) >= 3:
        signals.append("links_many")
    elif len(links) == 2:
        signals.append("links_some")
    if links:
        without_links = URL_RE.sub("", text)
        if len(without_links.split()) < 8:
            signals.append("link_heavy")
        if data.account_age_seconds < 3600:
            signals.append("new_account_link")
    if any(matches_term(text, term) for term in data.blocked_terms):
        signals.append("blocked_term")
    if data.duplicates > 0 and len(normalise(data.text)) >= 20:
        signals.append("duplicate")
    if data.recent_posts >= 10:
        signals.append("flood")
    elif data.recent_posts >= 5:
        signals.append("burst")
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 20 and sum(ch.isupper() for ch in letters) / len(letters) > 0.7:
        signals.append("shouting")
    if REPEAT_RE.search(text):
        signals.append("repeated_chars")
    if data.previously_hidden >= 2:
        signals.append("previously_hidden")
    if data.accounts_on_ip >= 3:
        signals.append("shared_ip")
    if EMAIL_RE.search(text) or PHONE_RE.search(text):
        signals.append("contact_data")
    if data.hold_first_posts and data.is_first_post:
        signals.append("first_post")
    total = round(sum(SIGNALS[code][0] for code in signals), 3)
    return SpamResult(score=total, signals=signals)
