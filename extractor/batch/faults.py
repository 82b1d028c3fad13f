"""Fault injection for testing the batch driver (``--pipeline extractor.batch.faults:fault_pipeline``).

A blank English pipeline plus one component that misbehaves on marker words,
so that tests can check the fault policy without real poison notes:

* ``ZZRAISE``  raises ``ValueError`` (a bug in a component);
* ``ZZSLEEP``  sleeps for an hour (a pathological note; the watchdog must stop it);
* ``ZZWARN``   emits a warning that quotes the note (as medspaCy's TargetMatcher does);
* ``ZZSLOW``   sleeps for 0.2 s (to make a run long enough to interrupt);
* ``ZZCRASH``  kills its process with SIGKILL (a segfault or the OOM killer);
* ``ZZCRASHONCE`` kills its process the first time only (a flaky worker), using
  a marker file in ``$EXTRACTOR_FAULT_DIR``.
"""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("extractor_batch_fault")
def fault_component(doc: Doc) -> Doc:
    """Misbehave on the marker words listed in the module docstring."""
    text = doc.text
    if "ZZRAISE" in text:
        raise ValueError(f"injected fault in {text[:80]}")
    if "ZZWARN" in text:
        warnings.warn(f"span conflicts: {text[:80]}", RuntimeWarning, stacklevel=1)
    if "ZZSLEEP" in text:
        time.sleep(3600)
    if "ZZSLOW" in text:
        time.sleep(0.2)
    if "ZZCRASHONCE" in text:
        marker = Path(os.environ.get("EXTRACTOR_FAULT_DIR", ".")) / "crashed-once"
        if not marker.exists():
            marker.write_text("1")
            os.kill(os.getpid(), signal.SIGKILL)
    elif "ZZCRASH" in text:
        os.kill(os.getpid(), signal.SIGKILL)
    return doc


def fault_pipeline() -> Language:
    """A blank English pipeline with the fault component."""
    nlp = spacy.blank("en")
    nlp.add_pipe("extractor_batch_fault")
    return nlp


def short_pipeline() -> Language:
    """The fault pipeline with ``max_length`` 1,000, to exercise chunking of long notes."""
    nlp = fault_pipeline()
    nlp.max_length = 1_000
    return nlp


def broken_pipeline() -> Language:
    """A pipeline that cannot be built."""
    raise RuntimeError("cannot build")
