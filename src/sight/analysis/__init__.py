"""Focus-group analysis: AI summary, sentiment, themes, concept graph."""
