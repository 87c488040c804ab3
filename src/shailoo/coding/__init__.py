"""The coding layer: codebook, samples, mentions, assignments, per-coder codes, final codes,
reliability and machine suggestions — library functions the CLI, the report and the web app share.

Modules: codebook (YAML, versions), qdc (REFI-QDA export), samples, mentions, assign, codes
(import/export, adjudication, final codes), reliability (Krippendorff's alpha, kappas, AC1),
suggest (assisted coding). Tables live in the workspace (store/migrations/007_coding.sql).
"""
