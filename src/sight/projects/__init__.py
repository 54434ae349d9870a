"""Research projects: audience, language, country, sample size, budget cap."""
