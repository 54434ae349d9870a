"""Personas: census-grounded samples, segment briefs, parallel enrichment,
validation and live progress."""
