"""A person in front of a browser, in one of three ways of using it.

- "mouse": points and clicks, with JavaScript (htmx enhances forms in place).
- "keyboard": no mouse at all: Tab until the wanted control has the focus (and the focus must be
  visible there), type, Enter or Space.
- "nojs": points and clicks with JavaScript switched off: every form is a full page request.

The tests describe what a person does (`press`, `type`, `tick`, `pick`, `choose`) once; the
`Person` carries it out in its mode. Every distinct page is checked with axe once per test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from tests.browser.conftest import (
    assert_accessible,
    assert_accessible_without_javascript,
    new_page,
)

MODES = ["mouse", "keyboard", "nojs"]

# Is there a visible focus indicator on the focused element (or, for a visually hidden radio or
# checkbox, on its label)? An outline or a box shadow counts, as site.css draws both.
FOCUS_VISIBLE_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const drawn = (node) => {
    const s = getComputedStyle(node);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return outline || (s.boxShadow && s.boxShadow !== "none");
  };
  const box = el.getBoundingClientRect();
  if (drawn(el) && box.width > 0 && box.height > 0) return true;
  if (el.id) {
    const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (label && drawn(label)) return true;
  }
  return false;
}
"""


def focused_matches(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        )
    )


def tab_to(page: Any, selector: str, limit: int = 300) -> None:
    """Press Tab until the element matching `selector` has the focus; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            described = page.evaluate("() => document.activeElement.outerHTML.slice(0, 160)")
            assert page.evaluate(FOCUS_VISIBLE_JS), f"no visible focus on {described}"
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key on {page.url}")


class Person:
    """One browser context (its own cookies), driven in one mode."""

    def __init__(
        self,
        browser: Any,
        base: str,
        mode: str,
        *,
        viewport: str = "desktop",
        locale: str = "de-DE",
        checked: set[str] | None = None,
    ) -> None:
        assert mode in MODES, mode
        self.mode = mode
        self.base = base
        self.page = new_page(browser, viewport=viewport, javascript=mode != "nojs", locale=locale)
        # Pages already checked with axe in this test (shared between the people of a test).
        self.checked = checked if checked is not None else set()

    @property
    def keyboard(self) -> bool:
        return self.mode == "keyboard"

    @property
    def javascript(self) -> bool:
        return self.mode != "nojs"

    def close(self) -> None:
        self.page.context.close()

    # --- Looking ----------------------------------------------------------------------------

    def open(self, path: str) -> None:
        """Type an address (or open a link from an e-mail)."""
        self.page.goto(self.base + path)

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def sees(self, text: str, within: str = "main") -> Any:
        """The first visible element in `within` with this text; fails if there is none."""
        locator = self.page.locator(within).get_by_text(text).first
        locator.wait_for(state="visible")
        return locator

    def text_of(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).first.inner_text().split())

    def message(self, text: str) -> None:
        """A message at the top of the page (after a redirect), or an inline notice (htmx)."""
        self.page.locator(".messages, .inline-notice", has_text=text).first.wait_for()

    def axe(self, name: str) -> None:
        """axe-core: no WCAG 2.1 A/AA violation on this page (once per page name and test)."""
        if name in self.checked:
            return
        self.checked.add(name)
        if self.javascript:
            assert_accessible(self.page)
        else:
            assert_accessible_without_javascript(self.page)

    # --- Acting -----------------------------------------------------------------------------

    @contextmanager
    def _navigation(self, navigates: bool) -> Iterator[None]:
        with self.page.expect_navigation() if navigates else nullcontext():
            yield

    def focus(self, selector: str) -> None:
        """Keyboard: Tab to the control (the test fails if it cannot be reached)."""
        tab_to(self.page, selector)

    def press(self, selector: str, *, navigates: bool = True) -> None:
        """Follow a link or press a button (or open a <summary>)."""
        if self.keyboard:
            self.focus(selector)
            with self._navigation(navigates):
                self.page.keyboard.press("Enter")
        else:
            with self._navigation(navigates):
                self.page.locator(selector).first.click()

    def press_htmx(self, selector: str) -> None:
        """A button that htmx enhances: in place with JavaScript, a full request without."""
        self.press(selector, navigates=not self.javascript)

    def type(self, selector: str, text: str) -> None:
        """Replace the content of a text field with `text`."""
        if self.keyboard:
            self.focus(selector)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
            self.page.keyboard.type(text)
        else:
            self.page.locator(selector).first.fill(text)

    def append(self, selector: str, text: str) -> None:
        """Add text at the end of a field."""
        if self.keyboard:
            self.focus(selector)
            self.page.keyboard.press("Control+End")
            self.page.keyboard.type(text)
        else:
            field = self.page.locator(selector).first
            field.fill(field.input_value() + text)

    def tick(self, selector: str) -> None:
        """Check a checkbox."""
        if self.keyboard:
            self.focus(selector)
            self.page.keyboard.press("Space")
        else:
            self.page.locator(selector).first.check()
        assert self.page.locator(selector).first.is_checked()

    def pick(self, name: str, value: str) -> None:
        """Choose a radio button of the group `name`: arrow keys move within the group."""
        radio = f"input[type=radio][name='{name}']"
        wanted = f"{radio}[value='{value}']"
        if self.keyboard:
            self.focus(radio)
            if not self.page.locator(f"{radio}:checked").count():
                self.page.keyboard.press("Space")
            for _ in range(20):
                if self.page.locator(wanted).is_checked():
                    break
                self.page.keyboard.press("ArrowDown")
        else:
            self.page.locator(wanted).check()
        assert self.page.locator(wanted).is_checked(), f"{wanted} is not chosen"

    def choose(self, selector: str, label: str) -> None:
        """Choose the option with this label in a select box."""
        select = self.page.locator(selector).first
        if self.keyboard:
            self.focus(selector)
            options = select.locator("option").all_inner_texts()
            index = [o.strip() for o in options].index(label)
            self.page.keyboard.press("Home")
            for _ in range(index):
                self.page.keyboard.press("ArrowDown")
        else:
            select.select_option(label=label)
        chosen = select.evaluate("s => s.options[s.selectedIndex].text")
        assert chosen.strip() == label, f"{selector}: {chosen!r} instead of {label!r}"

    # --- Signing in -------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> None:
        """Sign in through the login page (and the second-factor page for staff)."""
        from mitmachstadt.accounts.factories import current_totp_code

        self.open("/")
        self.press("header a[href^='/accounts/login/']")
        self.type("#id_login", email)
        self.type("#id_password", password)
        self.press("main form button[type=submit]")
        if totp_secret:
            self.page.locator("input[name=code]").wait_for()
            self.axe("second-factor")
            self.type("input[name=code]", current_totp_code(totp_secret))
            self.press("main form button[type=submit]")
        self.page.locator("header .account-link").wait_for()
