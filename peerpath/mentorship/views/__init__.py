"""Mentoring pages, one module per feature (``urls.py`` imports each): ``directory``,
``requests``, ``mentor_profile``, ``lifecycle`` (the hub and a mentorship's space),
``proposals``, ``logs``, ``flags``, ``chat`` (the no-JavaScript fallback of the chat),
``tickets`` ("I can't get in touch"), ``matching`` (staff); ``common`` holds what several share.

Thin: parse input (forms), ask a policy/selector/service, render. Refusals from services
(``core.errors.Refused``) re-render the page the person came from with the message and the
refusal's 4xx status; ``NotFound`` is a plain 404, identical to a missing object (``core.http``).
Invalid forms answer 400 with the field errors. Nothing here writes to the database except
through ``services``.
"""
