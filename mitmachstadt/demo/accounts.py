"""The demo accounts: documented in README.md, all on the demo municipality."""

from __future__ import annotations

DEMO_PASSWORD = "mitmachen-demo"  # noqa: S105 - published demo credential, demo data only
# Base32 TOTP secret shared by the demo staff accounts, so a tester can produce codes
# (`mitmachstadt demototp`); demo data only, never on a real installation.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPMITMACHSTADTDEMO"  # noqa: S105

# E-mail per staff role; display names come from the data file's demo_people.
STAFF_EMAILS = {
    "moderator": "moderation@demo.mitmachstadt.de",
    "reviewer": "pruefung@demo.mitmachstadt.de",
    "committee_clerk": "ausschuss@demo.mitmachstadt.de",
    "municipality_admin": "admin@demo.mitmachstadt.de",
    "operator": "betrieb@demo.mitmachstadt.de",
}
PARTICIPANT_EMAIL = "buerger{index:02d}@demo.mitmachstadt.de"
