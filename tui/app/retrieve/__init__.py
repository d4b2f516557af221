"""The screens after the export: verification shown where jobs are shown (ProofView, the
Verifier behind the jobs and bulk screens), the download with its progress bar, and the
inspection of a downloaded zip."""
