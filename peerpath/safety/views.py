"""Placeholder views: the safeguarding pages are being built (issue 17)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def queue(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def my_alerts(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    return HttpResponse(status=501)
