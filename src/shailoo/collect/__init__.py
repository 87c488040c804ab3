"""Collection: keep the workspace fed from platform APIs and public pages (docs/collect.md).

A collector asks a platform for an account's new posts and for new engagement readings of recent
posts; what it receives is archived raw in the workspace and then read by the same importer as an
exported file, so a collected post and an imported one are the same record.
"""
