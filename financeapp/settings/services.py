"""Personal settings: profile, locale, first day of the week, theme."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from financeapp.auth.models import THEMES, User
from financeapp.core.errors import Invalid
from financeapp.extensions import db

# Offered in the form; any locale Babel knows is accepted from elsewhere (CLI, API).
LOCALES = ("en_US", "en_GB", "en_AU", "en_CA", "de_DE", "de_CH", "fr_FR", "fr_CA", "es_ES", "es_MX", "it_IT",
           "nl_NL", "pt_BR", "pt_PT", "sv_SE", "da_DK", "nb_NO", "fi_FI", "pl_PL", "cs_CZ", "ja_JP", "zh_CN")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Profile:
    display_name: str
    locale: str
    first_day_of_week: int
    theme: str


def locale_choices() -> list[tuple[str, str]]:
    return [(code, f"{Locale.parse(code).get_display_name('en')} ({code})") for code in LOCALES]


def update_profile(user: User, data: Profile) -> User:
    """Save the user's name and display preferences."""
    errors: dict[str, str] = {}
    name = " ".join(data.display_name.split())
    if not name:
        errors["display_name"] = "Enter a display name."
    elif len(name) > 80:
        errors["display_name"] = "Use at most 80 characters."
    try:
        locale = str(Locale.parse(data.locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        errors["locale"] = "Choose a locale from the list."
        locale = ""
    if not 0 <= data.first_day_of_week <= 6:
        errors["first_day_of_week"] = "Choose a day of the week."
    if data.theme not in THEMES:
        errors["theme"] = f"Choose one of: {', '.join(THEMES)}."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    user.display_name = name
    user.locale = locale
    user.first_day_of_week = data.first_day_of_week
    user.theme = data.theme
    db.session.flush()
    return user
