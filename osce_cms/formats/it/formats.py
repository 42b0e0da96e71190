"""Italian display formats: "17 maggio 2024", and "7 maggio", not "07 maggio".

Django's Italian DATE_FORMAT pads the day ("07 maggio 2024") and its
DATETIME_FORMAT adds the weekday; the site writes a day as Italian news
pages do, and, as in English (``osce_cms/formats/en``), a time with its
zone ("17 maggio 2024, 10:00 CEST").
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
