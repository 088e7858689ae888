"""Public certificate pages: ``/certificates/<id>/`` (valid or revoked), its PDF and its
Open Badges 3.0 credential.

No login: whoever has the link may check it (that is what sharing it is for). The id is 128
random bits; a missing, malformed or hidden one answers the same 404 ("No certificate with
this id") without saying whether anything exists. A certificate names the holder's
pseudonym, plus the display name for adults only: a teen's display name may be a real name,
and this page is public.
"""

from __future__ import annotations

import json
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from peerpath.progression import ladder
from peerpath.progression.models import Achievement, AchievementKind, Certificate, Training
from peerpath.progression.rendering import certificates as render
from peerpath.progression.selectors.certificates import holder_is_teen_at_issue, holder_name, load

NOT_FOUND: Final = "No certificate with this id."
TEMPLATE: Final = "progression/certificate.html"


def certificate_data(
    request: HttpRequest, cert: Certificate, *, with_criteria: bool = False
) -> render.CertificateData:
    award = cert.award
    achievement = award.achievement
    criteria = ""
    if with_criteria:
        criteria = render.criteria_narrative(
            achievement.criteria,
            achievement_names=dict(Achievement.objects.values_list("slug", "name")),
            training_names=dict(Training.objects.values_list("slug", "name")),
            event_labels=ladder.EVENT_LABELS,
        )
    return render.CertificateData(
        certificate_id=cert.id,
        holder_name=holder_name(cert),
        pseudonym=award.user.username,
        achievement_slug=achievement.slug,
        achievement_name=achievement.name_for(teen=holder_is_teen_at_issue(cert)),
        achievement_kind=achievement.kind,
        description=achievement.description,
        criteria_narrative=render.narrative(achievement.description, criteria),
        issued_at=cert.issued_at,
        verify_url=request.build_absolute_uri(reverse("progression-certificate", args=[cert.id])),
        site_url=request.build_absolute_uri("/"),
        achievement_url=request.build_absolute_uri(reverse("progression-path"))
        + f"#{achievement.slug}",
        revoked_at=cert.revoked_at,
        revoked_reason=cert.revoked_reason,
        issuer_name=settings.PEERPATH_SITE_NAME,
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Shared by link, never indexed; ``never_cache`` keeps a revocation visible at once."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _missing(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(request, TEMPLATE, {"data": None}, status=404)
    return _private(response.render())


@never_cache
@require_safe
def verify(request: HttpRequest, certificate_id: str) -> HttpResponse:
    cert = load(certificate_id)
    if cert is None:
        return _missing(request)
    data = certificate_data(request, cert)
    context = {
        "data": data,
        "kind_label": AchievementKind(data.achievement_kind).label,
        "pdf_url": reverse("progression-certificate-pdf", args=[cert.id]),
        "credential_url": reverse("progression-certificate-credential", args=[cert.id]),
    }
    return _private(TemplateResponse(request, TEMPLATE, context).render())


@never_cache
@require_safe
def pdf(request: HttpRequest, certificate_id: str) -> HttpResponse:
    cert = load(certificate_id)
    if cert is None:
        return _missing(request)
    data = certificate_data(request, cert)
    response = HttpResponse(render.render_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="peerpath-certificate-{cert.id}.pdf"'
    return _private(response)


@never_cache
@require_safe
def credential(request: HttpRequest, certificate_id: str) -> HttpResponse:
    cert = load(certificate_id)
    if cert is None:
        return _private(JsonResponse({"detail": NOT_FOUND}, status=404))
    data = certificate_data(request, cert, with_criteria=True)
    body = json.dumps(render.credential(data), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="peerpath-credential-{cert.id}.json"'
    return _private(response)
