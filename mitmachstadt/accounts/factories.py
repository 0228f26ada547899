from __future__ import annotations

from typing import Any

import factory

from .models import Role, User
from .services import user_create

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    """An active account with a verified e-mail address and roles in `municipality`."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> User:
        from allauth.account.models import EmailAddress

        roles = kwargs.pop("roles", (Role.PARTICIPANT,))
        user = user_create(
            email=kwargs.pop("email"),
            display_name=kwargs.pop("display_name"),
            password=kwargs.pop("password", TEST_PASSWORD),
            municipality=kwargs.pop("municipality", None),
            roles=tuple(roles),
            is_operator=kwargs.pop("is_operator", False),
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


def enable_totp(user: User) -> str:
    """Give `user` a TOTP authenticator; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))
