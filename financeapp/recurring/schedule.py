"""Schedule math for recurring items: which dates a schedule produces. Flask-free, built on dateutil.rrule.

Month-end rule: "monthly on day 29, 30 or 31" falls on the month's last day in shorter months
(31 → 30 April, 28 or 29 February), and a yearly schedule started on 29 February falls on
28 February in common years. rrule alone would skip those months; `bymonthday=(28, …, N)` with
`bysetpos=-1` picks the latest of those days each month has, which is the clamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil import rrule

from financeapp.core.validation import DATE_RANGE_MESSAGE, in_date_range

FREQUENCIES = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY}
FREQUENCY_LABELS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly", "yearly": "Yearly"}
MONTHLY_MODES = {"day": "On a day of the month", "nth_weekday": "On a weekday of the month (such as 2nd Tuesday)",
                 "last_day": "On the last day of the month"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NTH_LABELS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
UNIT = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}

MAX_INTERVAL = 99
MAX_COUNT = 10_000
_RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


class ScheduleError(ValueError):
    """A schedule that cannot produce dates; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Schedule:
    """When a recurring item falls due: a frequency every `interval` units from `start`, until an end.

    - weekly: on `weekdays` (0 = Monday), or the start's weekday when empty;
    - monthly: `monthly_mode` "day" (day `month_day`, default the start's, clamped to the month's end),
      "nth_weekday" (the `nth` (1-4, or -1 for last) `nth_weekday` of the month) or "last_day";
    - yearly: on the start's month and day (29 February clamps to the 28th in common years).
    It ends after `count` occurrences, or on `end` (inclusive), or never.
    """

    start: date
    frequency: str = "monthly"
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    monthly_mode: str = "day"
    month_day: int | None = None
    nth: int | None = None
    nth_weekday: int | None = None
    end: date | None = None
    count: int | None = None

    def validate(self) -> Schedule:
        """Raise ScheduleError for a schedule that makes no sense; returns self."""
        if self.frequency not in FREQUENCIES:
            raise ScheduleError("frequency", "Choose daily, weekly, monthly or yearly.")
        if not isinstance(self.start, date) or not in_date_range(self.start):
            raise ScheduleError("start_date", DATE_RANGE_MESSAGE)
        if not isinstance(self.interval, int) or not 1 <= self.interval <= MAX_INTERVAL:
            raise ScheduleError("interval", f"Repeat every 1 to {MAX_INTERVAL} {UNIT[self.frequency]}s.")
        if any(not 0 <= day <= 6 for day in self.weekdays):
            raise ScheduleError("weekdays", "Choose weekdays from Monday to Sunday.")
        if self.frequency == "monthly":
            if self.monthly_mode not in MONTHLY_MODES:
                raise ScheduleError("monthly_mode", "Choose how the monthly date is picked.")
            if self.monthly_mode == "day" and self.month_day is not None and not 1 <= self.month_day <= 31:
                raise ScheduleError("month_day", "Enter a day of the month from 1 to 31.")
            if self.monthly_mode == "nth_weekday":
                if self.nth not in NTH_LABELS:
                    raise ScheduleError("nth", "Choose 1st, 2nd, 3rd, 4th or last.")
                if self.nth_weekday is None or not 0 <= self.nth_weekday <= 6:
                    raise ScheduleError("nth_weekday", "Choose a weekday.")
        if self.end is not None and self.count is not None:
            raise ScheduleError("ends", "End on a date or after a number of occurrences, not both.")
        if self.end is not None and not in_date_range(self.end):
            raise ScheduleError("end_date", DATE_RANGE_MESSAGE)
        if self.end is not None and self.end < self.start:
            raise ScheduleError("end_date", "The end date must be on or after the start date.")
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise ScheduleError("count", f"Enter from 1 to {MAX_COUNT:,} occurrences.")
        if self.first() is None:
            raise ScheduleError("start_date", "This schedule never falls due; check the start and end.")
        return self

    def rule(self) -> rrule.rrule:
        """The dateutil rule for this schedule."""
        kwargs: dict = {
            "dtstart": datetime.combine(self.start, time()), "interval": self.interval,
            "count": self.count, "until": datetime.combine(self.end, time()) if self.end else None,
        }
        if self.frequency == "weekly":
            kwargs["byweekday"] = [_RRULE_DAYS[d] for d in sorted(set(self.weekdays or (self.start.weekday(),)))]
        elif self.frequency == "monthly":
            if self.monthly_mode == "last_day":
                kwargs["bymonthday"] = -1
            elif self.monthly_mode == "nth_weekday":
                kwargs["byweekday"] = _RRULE_DAYS[self.nth_weekday or 0](self.nth or 1)
            else:
                kwargs.update(_clamped_day(self.month_day or self.start.day))
        elif self.frequency == "yearly":
            kwargs["bymonth"] = self.start.month
            kwargs.update(_clamped_day(self.start.day))
        return rrule.rrule(FREQUENCIES[self.frequency], **kwargs)

    def between(self, first: date, last: date, limit: int = MAX_COUNT) -> list[date]:
        """The dates from `first` to `last`, both included, at most `limit` of them."""
        if last < first:
            return []
        dates: list[date] = []
        stop = datetime.combine(last, time())
        for moment in self.rule().xafter(datetime.combine(max(first, self.start), time()), inc=True):
            if moment > stop or len(dates) >= limit:
                break
            dates.append(moment.date())
        return dates

    def first(self) -> date | None:
        """The first date of the schedule, None when it has none."""
        moment = self.rule().after(datetime.combine(self.start, time()), inc=True)
        return moment.date() if moment else None

    def describe(self) -> str:
        """In words: "Every 2 weeks on Monday and Thursday", "Monthly on the 2nd Tuesday"."""
        every = (f"Every {self.interval} {UNIT[self.frequency]}s" if self.interval > 1
                 else FREQUENCY_LABELS[self.frequency])
        if self.frequency == "weekly":
            names = [WEEKDAYS[d] for d in sorted(set(self.weekdays or (self.start.weekday(),)))]
            text = f"{every} on {_join(names)}"
        elif self.frequency == "monthly":
            if self.monthly_mode == "last_day":
                text = f"{every} on the last day"
            elif self.monthly_mode == "nth_weekday":
                text = f"{every} on the {NTH_LABELS.get(self.nth or 1, '')} {WEEKDAYS[self.nth_weekday or 0]}"
            else:
                day = self.month_day or self.start.day
                text = f"{every} on the {_ordinal(day)}" + (" (or the month's last day)" if day > 28 else "")
        elif self.frequency == "yearly":
            text = f"{every} on {self.start:%d %B}".replace(" 0", " ")
        else:
            text = every
        if self.count:
            text += f", {self.count} times"
        elif self.end:
            text += f", until {self.end.isoformat()}"
        return text


def _clamped_day(day: int) -> dict:
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
