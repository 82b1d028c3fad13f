"""``extractor batch``: note archives in, one cohort record per patient out, every note accounted for.

Modules, from the inputs to the outputs:

* ``items`` -- what readers yield: notes, problem rows, one account per input;
* ``streams`` -- input files opened safely and hashed as read, decompression with
  checksum and ratio checks, UTF-16 transcoding, physical lines;
* ``tables`` -- JSONL, CSV and Parquet rows -> notes (``row_item``, shared with Spark);
* ``archives`` -- zip, tar and single compressed files;
* ``readers`` -- folders and files, by kind (``read_inputs``);
* ``workdir`` -- the run's work folder: notes spilled by patient, finished patients
  (the resume checkpoint);
* ``per_patient`` -- the per-patient function every engine shares, note counts;
* ``workers`` / ``spark`` -- the local engine (worker processes, fault policy) and Spark;
* ``writers`` -- output files; ``lock`` -- one run per output folder;
* ``run`` -- ``run_batch``; ``cli`` -- the typer command.

Imports are kept lazy so ``extractor --help`` stays fast.
"""
