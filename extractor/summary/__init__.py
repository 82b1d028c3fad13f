"""The cohort summary: Table 1, the cohort figures, the Results paragraph,
record completeness and the cohort definition, from cohort records."""
