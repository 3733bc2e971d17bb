"""Importing Markdown postmortems into incident files."""
