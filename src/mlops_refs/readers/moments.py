"""Moments (a bookmark's ADD_DATE, an outline's created) as the model keeps them: ISO 8601 UTC strings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

#: Digits of an epoch count -> its unit per second: seconds (Firefox), milliseconds, microseconds (Google).
_UNITS = ((10, 1), (13, 1000), (16, 1_000_000))
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
_EPOCH = datetime(1970, 1, 1)


def iso_utc(seconds: int) -> str:
    """Seconds since the epoch as '2008-03-14T09:00:00Z'."""
    return (_EPOCH + timedelta(seconds=seconds)).isoformat() + "Z"  # arithmetic: no C time library limits


def epoch_seconds(iso: str) -> int | None:
    """Seconds since the epoch of an ISO 8601 moment or date ('2008-03-14T09:00:00Z', '2008-03-14')."""
    moment = from_rfc3339(iso)
    return None if moment is None else int(moment.timestamp())


def from_epoch(value: str) -> tuple[str | None, str | None]:
    """Seconds, milliseconds or microseconds (told apart by their digits) as ISO; else (None, why)."""
    digits = value.strip()
    if not digits.isascii() or not digits.isdigit():
        return None, f"{value!r} is not a number of seconds; left out"
    for width, per_second in _UNITS:
        if len(digits.lstrip("0") or "0") <= width:
            seconds = int(digits) // per_second
            if seconds == 0:
                return None, f"{value!r} is no date (zero); left out"
            if seconds > _LAST_SECOND:
                return None, f"{value!r} is beyond the year 9999; left out"
            return iso_utc(seconds), None
    return None, f"{value!r} has too many digits for seconds, milliseconds or microseconds; left out"


def from_rfc3339(text: str) -> datetime | None:
    """An RFC 3339 / ISO 8601 moment or date as an aware datetime (UTC when no offset), or None."""
    text = text.strip()
    if not _RFC3339.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def from_internet_date(text: str) -> tuple[str | None, str | None]:
    """An RFC 822 date (OPML's) or an RFC 3339 one (seen in the wild) as ISO; else (None, why)."""
    moment = from_rfc3339(text)
    if moment is None:
        from email.utils import parsedate_to_datetime  # the email package: only for RFC 822 dates

        try:
            moment = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            return None, f"{text!r} is neither an RFC 822 nor an RFC 3339 date; left out"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), None
