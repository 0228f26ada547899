"""Exceptions of the lottery package, carrying a stable code and parameters for translation."""

from __future__ import annotations

from typing import Any


class LotteryError(Exception):
    """Base class: an English message template plus a stable ``code`` and ``params``.

    The Django layer translates by ``code`` and formats its own template with ``params``;
    ``str(error)`` gives the English message for logs and the command line.
    """

    default_template = "{detail}"

    def __init__(self, code: str, template: str | None = None, **params: Any) -> None:
        self.code = code
        self.template = template if template is not None else self.default_template
        self.params: dict[str, Any] = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The English message with the parameters filled in."""
        try:
            return self.template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            # A broken template must never hide the underlying problem from the user.
            return f"{self.template} {self.params!r}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable representation (code, message, params)."""
        return {"code": self.code, "message": self.message, "params": dict(self.params)}


class LotteryInputError(LotteryError):
    """Bad input data: a CSV file, a column, a panel size, a seed.

    ``params`` always contains ``file``, ``line`` and ``column`` (``None`` where they do not
    apply, e.g. a panel size given on the command line); ``line`` is the physical, 1-based
    line in the file, ``column`` the header name as written in the file.
    """

    def __init__(
        self,
        code: str,
        template: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, template, file=file, line=line, column=column, **params)

    @property
    def file(self) -> str | None:
        """Name of the offending file, if any."""
        return self.params.get("file")

    @property
    def line(self) -> int | None:
        """1-based physical line number, if any."""
        return self.params.get("line")

    @property
    def column(self) -> str | None:
        """Column header, if any."""
        return self.params.get("column")


class InfeasibleQuotasError(LotteryError):
    """No panel of the requested size meets all quotas (and the household rule)."""


class SolverError(LotteryError):
    """The LP/MIP solver failed in an unexpected way (numerical trouble, time limit)."""
