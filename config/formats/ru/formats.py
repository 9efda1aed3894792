# Django's Russian formats, with a time always in two-digit hours (09:05, as the English pages show it) and
# set off from the date by a comma: "25 ноября 2026 г., 23:19"; the short forms stay 25.11.2026 23:19.
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y г., H:i"
