# The provider bills in Moscow time and its partners are mostly not American: English shows a day as
# "25 Nov 2026" and a time on the 24-hour clock ("25 Nov 2026, 23:19"), never "11/25/2026 11:19 p.m.".
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
