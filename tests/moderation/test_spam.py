"""The spam score: signals from the text and the account's own activity, nothing else."""

from __future__ import annotations

from mitmachstadt.moderation import spam

ORDINARY = (
    "Auf dem Weg zum Markt fehlen Bänke zum Ausruhen, vor allem für ältere Menschen. "
    "Vielleicht kann man welche aus recyceltem Kunststoff aufstellen."
)


def test_an_ordinary_idea_scores_zero() -> None:
    result = spam.score(spam.SpamInput(text=ORDINARY, title="Mehr Sitzbänke"))
    assert result.score == 0
    assert result.signals == []


def test_links_new_account_and_link_heavy_text_add_up() -> None:
    text = "Billig! https://a.example https://b.example https://c.example"
    result = spam.score(spam.SpamInput(text=text, account_age_seconds=60))
    assert set(result.signals) == {"links_many", "link_heavy", "new_account_link"}
    assert result.score >= 1.0


def test_one_link_in_a_real_text_from_an_old_account_is_fine() -> None:
    text = ORDINARY + " Ein Beispiel: https://www.guetersloh.de/bank"
    assert spam.score(spam.SpamInput(text=text)).score < 1.0


def test_blocked_terms_match_whole_words_case_and_accent_insensitively() -> None:
    terms = ["Casino Bonus"]
    assert spam.matches_term("Jetzt CASINO   bonus sichern", "Casino Bonus")
    assert not spam.matches_term("Casinobonusse", "Casino Bonus")
    result = spam.score(spam.SpamInput(text="Hier gibt es casino bonus!", blocked_terms=terms))
    assert "blocked_term" in result.signals
    assert result.score >= 1.0


def test_activity_signals() -> None:
    result = spam.score(
        spam.SpamInput(
            text=ORDINARY, duplicates=2, recent_posts=12, previously_hidden=3, accounts_on_ip=4
        )
    )
    assert set(result.signals) == {"duplicate", "flood", "previously_hidden", "shared_ip"}
    burst = spam.score(spam.SpamInput(text=ORDINARY, recent_posts=6))
    assert burst.signals == ["burst"]


def test_shouting_repeats_and_contact_data() -> None:
    assert (
        "shouting"
        in spam.score(spam.SpamInput(text="DAS IST EIN SKANDAL UND ALLE SCHAUEN ZU")).signals
    )
    assert "repeated_chars" in spam.score(spam.SpamInput(text="Toll!!!!!!!!!!")).signals
    assert "contact_data" in spam.score(spam.SpamInput(text="Schreibt an max@example.org")).signals
    assert "contact_data" in spam.score(spam.SpamInput(text="Ruft an: 0176 12345678")).signals
    # Dates and postcodes are not phone numbers.
    assert spam.score(spam.SpamInput(text="Am 2024-05-01 in 33330 Gütersloh")).signals == []


def test_first_post_signal_only_when_the_setting_asks_for_it() -> None:
    assert spam.score(spam.SpamInput(text=ORDINARY, is_first_post=True)).signals == []
    held = spam.score(spam.SpamInput(text=ORDINARY, is_first_post=True, hold_first_posts=True))
    assert held.signals == ["first_post"]


def test_digest_ignores_case_accents_and_punctuation() -> None:
    assert spam.digest("Mehr Bänke, bitte!") == spam.digest("mehr   banke bitte")
    assert spam.digest("Mehr Bänke") != spam.digest("Weniger Bänke")
