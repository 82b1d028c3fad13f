"""``extractor batch``: note archives in, one cohort record per patient out, every note accounted for.

Modules: ``readers`` (inputs -> notes or problems), ``grouping`` (on-disk
grouping by patient, resume checkpoint), ``shard`` (the per-patient function
every driver shares), ``workers`` (local worker processes and fault policy),
``spark`` (the Spark driver), ``writers`` (output files), ``run`` (``run_batch``),
``cli`` (the typer command). Imports are kept lazy so ``extractor --help`` stays fast.
"""
