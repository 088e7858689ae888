"""Crisis resources (helplines) by country and language, and a country from a time zone.

Pure Python. The data is ``resources.toml`` next to this file, read once. People only give
an IANA time zone, so :func:`country_for_timezone` maps the zone to a country with the
``zone.tab`` / ``zone1970.tab`` tables (and the link names in ``tzdata.zi``) shipped in the
installed ``tzdata`` package. :func:`resources_for` never returns an empty list: local
lines first, then the international fallback.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Final

RESOURCES_FILE: Final = Path(__file__).with_name("resources.toml")
_COUNTRY_ALIASES: Final = {"UK": "GB"}
_COUNTRY_CODE: Final = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class Resource:
    """One crisis resource, ready to show."""

    name: str
    contact: str  # how to reach it: a number, "Text HOME to 741741", a web address
    detail: str  # one sentence, in the reader's language when we have it
    url: str  # "" when there is none
    country: str  # ISO 3166-1 alpha-2 code; "" for the international fallback


@dataclass(frozen=True, slots=True)
class _Line:
    name: str
    contact: str
    detail: str
    url: str = ""
    languages: tuple[str, ...] = ()
    teen: bool = False  # for young people only
    teens_first: bool = False  # for everyone, listed first for teens
    name_i18n: dict[str, str] = field(default_factory=dict)
    detail_i18n: dict[str, str] = field(default_factory=dict)

    def resource(self, language: str, country: str, *, contact: str | None = None) -> Resource:
        return Resource(
            name=self.name_i18n.get(language, self.name),
            contact=self.contact if contact is None else contact,
            detail=self.detail_i18n.get(language, self.detail),
            url=self.url,
            country=country,
        )


@dataclass(frozen=True, slots=True)
class _Country:
    emergency: str  # "" when unknown
    lines: tuple[_Line, ...]


@dataclass(frozen=True, slots=True)
class _Data:
    countries: dict[str, _Country]
    emergency: _Line  # "call your local emergency number", used when the country's is unknown
    directory: _Line  # the international directory of helplines, always last


def _line(raw: dict[str, Any]) -> _Line:
    for key in ("name", "contact", "detail"):
        if not str(raw.get(key, "")).strip():
            raise ValueError(f"resource {raw!r} has no {key}")
    return _Line(
        name=str(raw["name"]),
        contact=str(raw["contact"]),
        detail=str(raw["detail"]),
        url=str(raw.get("url", "")),
        languages=tuple(str(code) for code in raw.get("languages", ())),
        teen=bool(raw.get("teen", False)),
        teens_first=bool(raw.get("teens_first", False)),
        name_i18n={str(k): str(v) for k, v in raw.get("name_i18n", {}).items()},
        detail_i18n={str(k): str(v) for k, v in raw.get("detail_i18n", {}).items()},
    )


def read_resources(path: Path = RESOURCES_FILE) -> _Data:
    """Parse and check the resources file."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    countries = {}
    for code, raw in data.get("countries", {}).items():
        if not _COUNTRY_CODE.fullmatch(code):
            raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
        lines = tuple(_line(line) for line in raw.get("lines", ()))
        countries[code] = _Country(emergency=str(raw.get("emergency", "")), lines=lines)
    fallback = data["fallback"]
    return _Data(countries, _line(fallback["emergency"]), _line(fallback["directory"]))


@cache
def _data() -> _Data:
    return read_resources()


def _language(language: str | None) -> str:
    return re.split(r"[-_]", language.lower(), maxsplit=1)[0] if language else ""


def _country(country: str | None) -> str:
    code = (country or "").strip().upper()
    return _COUNTRY_ALIASES.get(code, code)


def resources_for(*, country: str | None, language: str | None, teen: bool) -> list[Resource]:
    """Crisis resources for someone, most relevant first; never empty.

    Local lines come first (for teens, lines for young people and the ones young people
    use most lead; adults never get lines meant only for young people), lines answering
    in ``language`` before the others, then the local emergency
    number, then the international fallback (a generic "call your local emergency number"
    when the country's number is unknown, and the Find A Helpline directory).
    """
    data = _data()
    code, lang = _country(country), _language(language)
    out: list[Resource] = []
    local = data.countries.get(code)
    if local is not None:
        lines = sorted(
            (line for line in local.lines if teen or not line.teen),
            key=lambda line: (
                (0 if line.teen else 1 if line.teens_first else 2) if teen else 0,
                lang not in line.languages,
            ),
        )
        out += [line.resource(lang, code) for line in lines]
        if local.emergency:
            out.append(data.emergency.resource(lang, code, contact=local.emergency))
    if local is None or not local.emergency:
        out.append(data.emergency.resource(lang, ""))
    out.append(data.directory.resource(lang, ""))
    return out


# --- Countries from time zones -----------------------------------------------------------


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> country code, from the tzdata package; links resolve to their zone."""
    try:
        files = importlib_resources.files("tzdata.zoneinfo")
    except ModuleNotFoundError:  # pragma: no cover - tzdata is a dependency
        return {}
    table: dict[str, str] = {}
    # zone.tab gives one country per zone; zone1970.tab lists several (the first is used)
    # and is read first so that zone.tab's answer wins where both have the zone.
    for name in ("zone1970.tab", "zone.tab"):
        tab = files / name
        if not tab.is_file():
            continue
        for line in tab.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                codes, _coordinates, zone, *_ = line.split("\t")
                table[zone] = codes.split(",")[0]
    compiled = files / "tzdata.zi"
    if compiled.is_file():
        links = [
            line.split()[1:3]
            for line in compiled.read_text(encoding="utf-8").splitlines()
            if line.startswith("L ")
        ]
        for target, alias in links:
            if alias not in table and target in table:
                table[alias] = table[target]
    return table


def country_for_timezone(tz_name: str | None) -> str | None:
    """The country of an IANA time zone ("America/New_York" -> "US"), or None when the
    zone is unknown or belongs to no country ("UTC", "Etc/GMT+3")."""
    if not tz_name:
        return None
    return _zone_countries().get(tz_name.strip())


def resources_for_timezone(
    *, tz_name: str | None, language: str | None, teen: bool
) -> list[Resource]:
    """:func:`resources_for` with the country taken from a time zone."""
    return resources_for(country=country_for_timezone(tz_name), language=language, teen=teen)
