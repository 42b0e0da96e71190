"""German display formats: Django's ("17. Mai 2024"), with the zone on times.

As in English (``osce_cms/formats/en``), a time names its zone: the
newsroom and its readers are in many ("17. Mai 2024, 10:00 CEST").
"""

DATETIME_FORMAT = "j. F Y, H:i T"
