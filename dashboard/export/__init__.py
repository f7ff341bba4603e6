"""Exports: chart images and HTML, table files, and the quarterly committee pack (issue 7)."""
