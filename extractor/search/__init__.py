"""Finding rule matches in a note's text, before (and instead of) matching tokens.

:mod:`~extractor.search.regex_analysis` reads what every match of a regex must
contain; :mod:`~extractor.search.matcher` is the medspaCy regex backend that
runs the rules by it (and searches a note before it is tokenized).
"""
