"""Surveys: questionnaires answered by personas, bias guards, statistics."""
