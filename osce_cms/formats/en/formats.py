"""English display formats: the public pages' "3 December 2026", everywhere.

The public templates write dates as ``j F Y``; Django's English defaults
("Dec. 3, 2026, 2:05 p.m.") would give the admin a second style, and one
whose trailing full stop doubles at the end of a sentence ("p.m.."). Times
are on the 24-hour clock with the zone, since the newsroom and its readers
are in many zones: "3 December 2026, 14:05 CET".
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
