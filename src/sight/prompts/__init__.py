"""Prompt templates, one module per feature. Each module has a PROMPT_VERSION that
is recorded with every output it produced, so results stay traceable when a
prompt changes."""
