"""Personal settings: profile, locale, first day of the week, theme, notification preferences."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from babel import Locale, UnknownLocaleError

from financeapp.auth.models import THEMES, User
from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.settings.models import CHANNELS, DEFAULT_CHANNELS, PREFERENCE_KINDS, NotificationPreference

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


def channel_choices(user: User) -> dict[str, set[str]]:
    """For each channel, the kinds the user gets there (saved choices over the defaults)."""
    chosen = {channel: set(kinds) for channel, kinds in DEFAULT_CHANNELS.items()}
    rows = db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.channel,
                                        NotificationPreference.enabled)
                              .where(NotificationPreference.user_id == user.id)).all()
    for kind, channel, enabled in rows:
        if channel in chosen:
            (chosen[channel].add if enabled else chosen[channel].discard)(kind)
    return chosen


def wants(user_id: int, kind: str, channel: str) -> bool:
    """Whether this user gets `kind` notifications on `channel`.

    Kinds without a preference (system messages, posted recurring transactions, finished imports)
    always show in the app and go nowhere else.
    """
    if kind not in PREFERENCE_KINDS:
        return channel == "in_app"
    enabled = db.session.scalar(sa.select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind,
        NotificationPreference.channel == channel))
    if enabled is None:
        return kind in DEFAULT_CHANNELS.get(channel, set())
    return enabled


def save_preferences(user: User, chosen: set[tuple[str, str]]) -> None:
    """Store a full grid of (kind, channel) choices; unknown pairs are refused."""
    unknown = [pair for pair in chosen if pair[0] not in PREFERENCE_KINDS or pair[1] not in CHANNELS]
    if unknown:
        raise Invalid("Choose from the listed notification types and channels.")
    existing = {(row.kind, row.channel): row for row in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind in PREFERENCE_KINDS:
        for channel in CHANNELS:
            enabled = (kind, channel) in chosen
            row = existing.get((kind, channel))
            if row is None:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel, enabled=enabled))
            else:
                row.enabled = enabled
    db.session.flush()
