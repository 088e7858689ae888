"""Certificates as files: a one-page PDF and an Open Badges 3.0 credential (JSON-LD).

Pure functions over plain values (``CertificateData``); no Django, no database, so both
outputs are unit-tested byte for byte. The views in ``views/certificates.py`` load the
certificate and build the data.

The PDF writer is deliberately tiny: one landscape A4 page, the two base-14 fonts every PDF
reader has (Helvetica and Helvetica-Bold, WinAnsiEncoding, so no font is embedded), text and
a border drawn with path operators, an uncompressed content stream and an exact
cross-reference table. Text is restricted to Latin-1: anything else becomes ``?``.

The credential is **unsigned**: it carries no proof. Whoever holds it verifies it by opening
its ``id`` (the public verify page), which always says whether it is valid or revoked now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

OB3_CONTEXT: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

KIND_PHRASES: Final[Mapping[str, str]] = {
    "role": "has been recognised in the leadership role",
    "badge": "has earned the badge",
    "milestone": "has reached the listener milestone",
}


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything a certificate shows, already decided (names chosen, URLs absolute)."""

    certificate_id: str
    holder_name: str  # what the certificate calls the holder (display name or pseudonym)
    pseudonym: str  # the username: the only identifier a credential carries
    achievement_slug: str
    achievement_name: str  # already teen-aware
    achievement_kind: str  # role | badge | milestone
    description: str
    criteria_narrative: str
    issued_at: dt.datetime
    verify_url: str
    site_url: str
    achievement_url: str
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""
    issuer_name: str = "peerpath"

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


def long_date(moment: dt.datetime) -> str:
    """``12 March 2025`` in UTC, independent of the process locale."""
    d = moment.astimezone(dt.UTC).date() if moment.tzinfo else moment.date()
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second (``2025-03-12T09:30:00Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Criteria as a sentence ---------------------------------------------------------------


def criteria_narrative(
    criteria: Any,
    *,
    achievement_names: Mapping[str, str] | None = None,
    training_names: Mapping[str, str] | None = None,
    event_labels: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """A readable sentence for a JSON criteria tree (``progression/rules.py``'s format).

    Never raises: a shape it does not know is described as "other conditions", so a staff
    edit can never break a public credential.
    """
    ach = achievement_names or {}
    tr = training_names or {}
    ev = event_labels or {}

    def count(n: int, event: str) -> str:
        plain = event.replace("_", " ")
        one, many = ev.get(event, (plain, plain + "s"))
        return f"{n} {one if n == 1 else many}"

    def tenure(subject: str, days: int) -> str:
        what = {"listener": "as a listener", "member": "as a member", "account": "since joining"}
        if subject.startswith("role:"):
            slug = subject[5:]
            where = f"as {ach.get(slug, slug)}"
        else:
            where = what.get(subject, subject)
        return f"at least {days} day{'s' if days != 1 else ''} {where}"

    def join(parts: list[str], word: str) -> str:
        if len(parts) <= 1:
            return "".join(parts)
        return ", ".join(parts[:-1]) + f" {word} " + parts[-1]

    def walk(node: Any, depth: int) -> str:
        if depth > 12 or not isinstance(node, Mapping):
            return "other conditions"
        if "all" in node and isinstance(node["all"], list):
            parts = [walk(item, depth + 1) for item in node["all"]]
            text = join(parts, "and")
            return f"({text})" if depth and len(parts) > 1 else text
        if "any" in node and isinstance(node["any"], list):
            parts = [walk(item, depth + 1) for item in node["any"]]
            text = "either " + join(parts, "or") if len(parts) > 1 else join(parts, "or")
            return f"({text})" if depth and len(parts) > 1 else text
        if "at_least" in node and isinstance(node.get("of"), list):
            parts = [walk(item, depth + 1) for item in node["of"]]
            return f"at least {node['at_least']} of: " + "; ".join(parts)
        if "not" in node:
            inner = node["not"]
            if isinstance(inner, Mapping) and "held" in inner:
                slug = str(inner["held"])
                return f"not holding {ach.get(slug, slug)}"
            return f"not ({walk(inner, depth + 1)})"
        if "count" in node:
            event = str(node["count"])
            n = _whole(node.get("min"))
            text = f"at least {count(n, event)}"
            teen_min = node.get("teen_min")
            if teen_min is not None:
                text += f" ({_whole(teen_min)} for teens)"
            window = node.get("window_days")
            if window:
                text += f" in the last {_whole(window)} days"
            return text
        if "tenure" in node:
            return tenure(str(node["tenure"]), _whole(node.get("min_days")))
        if "account" in node:
            return f"a {node['account']} account"
        if "band" in node:
            return "in the teen community" if node["band"] == "teen" else "in the adult community"
        if "held" in node:
            slug = str(node["held"])
            return f"holding {ach.get(slug, slug)}"
        if "training" in node:
            slug = str(node["training"])
            return f"completing {tr.get(slug, slug)}"
        return "other conditions"

    text = walk(criteria, 0)
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _whole(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def narrative(description: str, criteria_text: str) -> str:
    """The credential's ``criteria.narrative``: the description, then the criteria."""
    parts = [description.strip()] if description.strip() else []
    if criteria_text:
        parts.append(f"Criteria: {criteria_text}")
    return "\n\n".join(parts)


# --- Open Badges 3.0 ----------------------------------------------------------------------


def credential(data: CertificateData) -> dict[str, Any]:
    """An unsigned Open Badges 3.0 ``OpenBadgeCredential``.

    No ``proof``: peerpath does not sign credentials. The ``id`` is the public verify URL,
    which is how a reader checks it; ``revoked`` (and, when revoked, ``revokedAt`` and
    ``revocationReason``) repeat what that page says at the moment of download.
    """
    achievement: dict[str, Any] = {
        "id": data.achievement_url,
        "type": ["Achievement"],
        "name": data.achievement_name,
        "description": data.description or data.achievement_name,
        "criteria": {"narrative": data.criteria_narrative or data.achievement_name},
    }
    if data.achievement_kind == "badge":
        achievement["achievementType"] = "Badge"
    doc: dict[str, Any] = {
        "@context": list(OB3_CONTEXT),
        "id": data.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": data.site_url, "type": ["Profile"], "name": data.issuer_name},
        "validFrom": iso_utc(data.issued_at),
        "name": data.achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The pseudonym only: never an e-mail address or a display name.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": data.pseudonym,
                    "identityType": "userName",
                    "hashed": False,
                }
            ],
            "achievement": achievement,
        },
        "revoked": not data.valid,
    }
    if data.revoked_at is not None:
        doc["revokedAt"] = iso_utc(data.revoked_at)
        doc["revocationReason"] = data.revoked_reason
    return doc


# --- PDF ------------------------------------------------------------------------------------

PAGE_W: Final = 842  # A4 landscape, in points
PAGE_H: Final = 595

# Advance widths (1/1000 em) of WinAnsi codes 32..126, from Adobe's AFM files.
_HELVETICA: Final = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_HELVETICA_BOLD: Final = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
_FONTS: Final = {"F1": ("Helvetica", _HELVETICA), "F2": ("Helvetica-Bold", _HELVETICA_BOLD)}
_WIDE: Final = {"Æ": 1000, "æ": 889, "ß": 611, "×": 584, "÷": 584, "¼": 834, "½": 834, "¾": 834}


def latin1(text: str) -> str:
    """What the PDF can show with the base-14 fonts: Latin-1 printable characters only.

    Composed first (``e`` + combining acute becomes ``é``); every other character, including
    control characters and line breaks, becomes ``?`` (a line break becomes a space).
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if ch in "\r\n\t":
            out.append(" ")
        elif 32 <= code <= 126 or 160 <= code <= 255:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def pdf_string(text: str) -> bytes:
    """A PDF literal string ``( … )`` for ``text``: Latin-1 only, ``( ) \\`` escaped, every
    byte outside printable ASCII written as an octal escape (so the file stays ASCII)."""
    out = bytearray(b"(")
    for byte in latin1(text).encode("latin-1"):
        if byte in (0x28, 0x29, 0x5C):  # ( ) \
            out += b"\\" + bytes([byte])
        elif 32 <= byte <= 126:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    out += b")"
    return bytes(out)


def text_width(text: str, font: str, size: float) -> float:
    """The width in points of ``text`` set in ``font`` (``F1`` or ``F2``) at ``size``."""
    widths = _FONTS[font][1]
    total = 0
    for ch in latin1(text):
        code = ord(ch)
        if 32 <= code <= 126:
            total += widths[code - 32]
        elif ch in _WIDE:
            total += _WIDE[ch]
        else:
            base = unicodedata.normalize("NFD", ch)[0]
            total += widths[ord(base) - 32] if 32 <= ord(base) <= 126 else 556
    return total * size / 1000


def _num(x: float) -> bytes:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


class _Page:
    """Collects content-stream operators."""

    def __init__(self) -> None:
        self.ops: list[bytes] = []

    def centred(
        self,
        text: str,
        y: float,
        *,
        font: str = "F1",
        size: float = 14,
        max_width: float = PAGE_W - 160,
        min_size: float = 7,
        rgb: tuple[float, float, float] = (0.1, 0.1, 0.15),
    ) -> None:
        """One line centred on the page, shrunk (down to ``min_size``) to fit the width."""
        width = text_width(text, font, size)
        if width > max_width:
            size = max(min_size, size * max_width / width)
            width = text_width(text, font, size)
        x = (PAGE_W - width) / 2
        color = b" ".join(_num(c) for c in rgb)
        self.ops.append(
            b"BT %s rg /%s %s Tf %s %s Td %s Tj ET"
            % (color, font.encode(), _num(size), _num(x), _num(y), pdf_string(text))
        )

    def rect_outline(self, x: float, y: float, w: float, h: float, width: float) -> None:
        """A rectangle stroked with line operators (m, l, h, S)."""
        n = _num
        self.ops.append(
            b"%s w %s %s m %s %s l %s %s l %s %s l h S"
            % (n(width), n(x), n(y), n(x + w), n(y), n(x + w), n(y + h), n(x), n(y + h))
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float) -> None:
        self.ops.append(
            b"%s w %s %s m %s %s l S" % (_num(width), _num(x1), _num(y1), _num(x2), _num(y2))
        )

    def stroke_color(self, rgb: tuple[float, float, float]) -> None:
        self.ops.append(b"%s RG" % b" ".join(_num(c) for c in rgb))

    def content(self) -> bytes:
        return b"\n".join(self.ops) + b"\n"


def _wrap(text: str, font: str, size: float, max_width: float, max_lines: int) -> list[str]:
    words = latin1(text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, font, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".") + " ..."
    return lines


def certificate_page(data: CertificateData) -> bytes:
    """The content stream of the certificate page."""
    page = _Page()
    accent = (0.15, 0.25, 0.55)
    page.stroke_color(accent)
    page.rect_outline(18, 18, PAGE_W - 36, PAGE_H - 36, 3)
    page.rect_outline(28, 28, PAGE_W - 56, PAGE_H - 56, 0.75)
    page.line(PAGE_W / 2 - 90, 402, PAGE_W / 2 + 90, 402, 1)
    page.centred(data.issuer_name, 500, font="F2", size=16, rgb=accent)
    title = "Certificate of achievement" if data.valid else "Certificate of achievement: REVOKED"
    page.centred(title, 440, font="F2", size=30)
    page.centred("This certifies that", 370, size=14)
    page.centred(data.holder_name, 330, font="F2", size=28)
    if data.holder_name != data.pseudonym:
        page.centred(f"@{data.pseudonym}", 308, size=11, rgb=(0.35, 0.35, 0.4))
    phrase = KIND_PHRASES.get(data.achievement_kind, "has earned")
    page.centred(phrase, 272, size=14)
    page.centred(data.achievement_name, 236, font="F2", size=24, rgb=accent)
    page.centred(f"Issued {long_date(data.issued_at)}", 200, size=13)
    y = 170.0
    if data.revoked_at is not None:
        red = (0.7, 0.05, 0.05)
        page.centred("REVOKED", y, font="F2", size=22, rgb=red)
        y -= 22
        page.centred(f"Revoked on {long_date(data.revoked_at)}", y, font="F2", size=12, rgb=red)
        y -= 16
        for line in _wrap(f"Reason: {data.revoked_reason}", "F1", 11, PAGE_W - 200, 2):
            page.centred(line, y, size=11, rgb=red)
            y -= 14
    page.centred("Check this certificate at", 88, size=10, rgb=(0.35, 0.35, 0.4))
    page.centred(data.verify_url, 72, size=10, rgb=accent)
    page.centred(f"Certificate id {data.certificate_id}", 52, size=9, rgb=(0.35, 0.35, 0.4))
    return page.content()


def pdf_document(
    content: bytes, *, title: str, created: dt.datetime, link_url: str = "", doc_id: str = ""
) -> bytes:
    """A complete one-page PDF around ``content`` with an exact cross-reference table.

    ``link_url``, when given, makes the lower part of the page (where the verify URL is
    written) a clickable link.
    """
    stamp = iso_utc(created)
    pdf_date = "D:" + stamp.replace("-", "").replace(":", "").replace("T", "").rstrip("Z") + "Z"
    annots = b" /Annots [8 0 R]" if link_url else b""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R%s >>"
        % (PAGE_W, PAGE_H, annots),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Title %s /Producer (peerpath) /CreationDate %s >>"
        % (pdf_string(title), pdf_string(pdf_date)),
    ]
    if link_url:
        objects.append(
            b"<< /Type /Annot /Subtype /Link /Rect [60 45 %d 100] /Border [0 0 0] "
            b"/A << /S /URI /URI %s >> >>" % (PAGE_W - 60, pdf_string(link_url))
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    digest = hashlib.md5(doc_id.encode() or content, usedforsecurity=False).hexdigest().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        digest,
        digest,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def render_pdf(data: CertificateData) -> bytes:
    """The certificate as a one-page PDF (REVOKED on it when revoked)."""
    title = f"{data.achievement_name}: certificate for {data.holder_name}"
    return pdf_document(
        certificate_page(data),
        title=title,
        created=data.issued_at,
        link_url=data.verify_url,
        doc_id=data.certificate_id,
    )
