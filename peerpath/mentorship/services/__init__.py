"""Every write in mentoring, one module per feature (import the feature module):

``mentor_profile`` (a mentor's settings), ``requests`` (asking mentors, answers, expiry),
``proposals`` (a mentor's answer to a matching proposal), ``lifecycle`` (start and end of a
mentorship, "unmatch me", leaving the program, bands crossed), ``matching`` (runs, publish,
auto-pairing), ``chat``, ``logs`` (conversations, check-ins), ``flags``, ``tickets`` ("I can't
get in touch"); ``common`` holds what several share.

Keyword-only, atomic, policy-checked; refusals raise ``core.errors.Refused`` subclasses (a
message for the person, a 4xx status) and write nothing. Every text a person writes here is
screened for crisis language inside the same transaction (``peerpath.mentorship.screening``);
the services that store such a text return a ``Written`` (or ``chat.Posted``) carrying the
``Screening``, whose help lines every answer (page, socket ack) shows the writer at once.
Screening never blocks a write.
"""
