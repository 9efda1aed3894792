"""The portal's own date, time and number formats (``FORMAT_MODULE_PATH``), over Django's for each language:
what is set here wins, everything else (input formats, separators) stays Django's."""
