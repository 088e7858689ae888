"""How a view answers the caller, and the one home of turning a ``Refused`` into that answer.

Services (and views' own lookups) raise ``core.errors.Refused`` and its kinds; no view writes
its own ``except Refused`` to render one. The answer depends on who asked:

* a caller the view serves in place gets the refusal in place, whatever its status (a
  missing thing included): JSON ``{"ok": false, "error": ..., "fields": {...}}`` when the view
  speaks JSON (``json=True``) and the request asks for it (``Accept: application/json``), the
  view's ``partial`` (context ``ok``/``message``) for an htmx request, sent to ``retarget``
  when given (``HX-Retarget``, swapped ``innerHTML``);
* anyone else: a missing thing (``NotFound``, 404) is the site's standard 404 page, so a
  hidden object answers exactly like a missing one; any other refusal is the view's own
  ``page`` showing the message with the refusal's status (the hub, the matching run...), or
  else the ``core/refused.html`` page with the message, its status and a "Go back" link to
  ``back``.

``refusals(...)`` declares this per view; ``RefusalMiddleware`` gives every other view the
same answer (back to the home page), so a refusal never ends as a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse

from peerpath.core.errors import Invalid, Refused

#: Where the refusal page's "Go back" link leads: a path ("/..."), a URL name reversed without
#: arguments, or a function of the request and the view's URL arguments (called only when a
#: refusal is shown).
Back = str | Callable[..., str]
#: A view's own page showing a refusal: called as ``page(request, exc, **view_kwargs)``.
Page = Callable[..., HttpResponse]
View = TypeVar("View", bound=Callable[..., HttpResponseBase])

HOME = "/"


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's middleware sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def wants_json(request: HttpRequest) -> bool:
    """Whether the caller (a page's script) asked for JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _back_url(back: Back, request: HttpRequest, kwargs: dict[str, Any]) -> str:
    if callable(back):
        return back(request, **kwargs)
    return back if back.startswith("/") else reverse(back)


def refusal_response(
    request: HttpRequest,
    exc: Refused,
    *,
    back: Back = HOME,
    partial: str = "",
    retarget: str = "",
    json: bool = False,
    page: Page | None = None,
    view_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """The answer to ``exc`` for this caller (see the module's docstring); raises ``Http404``
    for the site's 404 page."""
    if json and wants_json(request):
        payload: dict[str, Any] = {"ok": False, "error": exc.message}
        if isinstance(exc, Invalid) and exc.fields:
            payload["fields"] = exc.fields
        return JsonResponse(payload, status=exc.status)
    if partial and is_htmx(request):
        context = {"ok": False, "message": exc.message}
        response = TemplateResponse(request, partial, context, status=exc.status)
        if retarget:
            response["HX-Retarget"] = retarget
            response["HX-Reswap"] = "innerHTML"
        return response
    if exc.status == 404:
        raise Http404(exc.message) from exc  # the site's page: hidden looks missing
    if page is not None:
        return page(request, exc, **(view_kwargs or {}))
    context = {"message": exc.message, "back": _back_url(back, request, view_kwargs or {})}
    return TemplateResponse(request, "core/refused.html", context, status=exc.status)


def refusals(
    *,
    back: Back = HOME,
    partial: str = "",
    retarget: str = "",
    json: bool = False,
    page: Page | None = None,
) -> Callable[[View], View]:
    """A view whose refusals are answered as the module's docstring says, with its own
    ``back`` link (or ``page``), htmx ``partial`` (and ``retarget``) and JSON."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except Refused as exc:
                return refusal_response(
                    request,
                    exc,
                    back=back,
                    partial=partial,
                    retarget=retarget,
                    json=json,
                    page=page,
                    view_kwargs=kwargs,
                )

        return cast(View, wrapper)

    return decorate


class RefusalMiddleware:
    """A ``Refused`` that leaves a view without ``refusals`` is answered the same way (the
    404 page, or the refusal page back to the home page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Refused):
            return None
        return refusal_response(request, exception)
