"""The hostile-input suite: what an outsider or an insider can send, and what must hold.

One package, one corpus (:mod:`.corpus`), one module per surface:

* ``test_urls``: every public path (and a release page) × every parameter ×
  every corpus value, deterministically (all parameters at once everywhere,
  each parameter alone on the pages they filter), then Hypothesis over random
  query strings and paths; never a 5xx.
* ``test_import_records``: hostile import records; every good record imported,
  every bad one reported as ``FILE:LINE: reason``, the command never raises.
* ``test_uploads``: hostile lead images through the release admin's add form
  (40000 × 1 and 1 × 40000 strips, an empty file, a truncated PNG, SVG, HTML
  named .jpg, GIF and PNG bombs, headers claiming huge sizes), then Hypothesis
  over any bytes under any name and corrupted PNGs: a form error saying why,
  never a 5xx, and MEDIA_ROOT exactly as before; a normal JPEG and PNG are
  the controls, stored with their renditions.
* ``test_roles``: the admin's user and group pages per role; no escalation.

To extend it, add values to the corpus (every module draws from it) or a
module for a new surface that imports the corpus the same way.
"""
