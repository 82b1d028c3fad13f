"""Process start: libraries our dependencies import but the pipeline never uses are deferred."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
from extractor.pipeline import build_pipeline
build_pipeline()
before = sorted(m for m in ("sklearn", "scipy.stats", "nltk.corpus") if m in sys.modules)
import quickumls.core  # a user of QuickUMLS gets the real NLTK on first use
import nltk
print(json.dumps({"loaded_by_pipeline": before, "nltk_works": hasattr(nltk, "corpus"),
                  "same_module": quickumls.core.nltk is nltk}))
"""


def test_building_the_pipeline_does_not_import_nltk_yet_nltk_still_works() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=300)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"loaded_by_pipeline": [], "nltk_works": True, "same_module": True}
