"""Russian display formats: the month in the genitive wherever a day precedes it.

Django's DATE_FORMAT is right ("17 мая 2024 г."), but its MONTH_DAY_FORMAT
"j F" writes the nominative ("17 май"); "E" is the genitive. As in English
(``osce_cms/formats/en``), a time is on the 24-hour clock with its zone
("17 мая 2024 г., 10:00 CEST").
"""

DATE_FORMAT = "j E Y г."
DATETIME_FORMAT = "j E Y г., H:i T"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j E"
