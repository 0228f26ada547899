"""The demo accounts: documented in README.md, all on the demo municipality."""

from __future__ import annotations

DEMO_PASSWORD = "mitmachen-demo"  # noqa: S105 - published demo credential, demo data only
# Base32 TOTP secret shared by the demo staff accounts, so a tester can produce codes
# (`mitmachstadt demototp`); demo data only, never on a real installation.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPMITMACHSTADTDEMO"

STAFF = [
    ("moderation@demo.mitmachstadt.de", "Moderation Gütersloh", "moderator"),
    ("review@demo.mitmachstadt.de", "Prüfteam Digitalagenda", "reviewer"),
    ("ausschuss@demo.mitmachstadt.de", "Schriftführung ADWS", "committee_clerk"),
    ("admin@demo.mitmachstadt.de", "Stabsstelle Digitalisierung", "municipality_admin"),
]
OPERATOR = ("operator@demo.mitmachstadt.de", "Plattformbetrieb")
PARTICIPANT_EMAIL = "buerger{index:02d}@demo.mitmachstadt.de"
