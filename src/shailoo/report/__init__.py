"""The publishable report: HTML (self-contained, offline) and XLSX."""
