"""Clinical information extraction for glucagonoma / pNET cohort records."""

from importlib.metadata import PackageNotFoundError, version

from extractor._lazy_imports import defer_unused_imports

defer_unused_imports()

try:
    __version__ = version("glucagonoma-extractor")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
