"""Every read in mentoring, one module per feature (import the feature module):

``directory`` (who is listed, cards, filters, "Suggested for you"), ``requests``,
``proposals``, ``lifecycle`` (a person's mentorships, one mentorship for its people),
``matching`` (the engine's pools, runs, suggestion scores), ``chat``, ``logs``,
``tickets`` ("I can't get in touch": the tips per role), ``mentor_profile``, ``dashboard``
(the signed-in home page's card); ``common`` holds what several share.
"""
