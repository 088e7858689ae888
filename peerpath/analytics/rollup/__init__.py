"""The partner dashboard's rollups (written only here): ``activity`` (per day), ``listeners``
(listener facts, retention), ``overview`` (the figures at weekly points), ``panels`` (small
JSON panels), ``refresh`` (the entry points ``refresh`` and ``rebuild``); ``common`` holds
what they share."""
