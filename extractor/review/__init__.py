"""The review pages: every record beside its evidence in the notes, offline, with
corrections the reviewer exports as a gold set (``extractor review``)."""
