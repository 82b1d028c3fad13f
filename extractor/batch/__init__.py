"""``extractor batch``: note archives in, one cohort record per patient out, every note accounted for.

Modules: ``readers`` (inputs -> notes or problems), ``workdir`` (the run's work
folder: notes spilled by patient, finished patients as the resume checkpoint),
``per_patient`` (the per-patient function every engine shares), ``workers``
(local worker processes and fault policy), ``spark`` (the Spark engine),
``writers`` (output files), ``run`` (``run_batch``), ``cli`` (the typer
command). Imports are kept lazy so ``extractor --help`` stays fast.
"""
