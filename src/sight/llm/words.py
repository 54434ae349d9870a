"""Neutral vocabulary for generated replies and strings."""

WORDS: tuple[str, ...] = tuple(
    """
    people often prefer options that feel simple honest and useful price matters
    but quality trust and convenience matter more when budgets are tight many
    respondents mentioned family time work schedules local stores online reviews
    and friends recommendations some felt the product was too expensive others
    liked the design the brand seemed modern yet familiar overall sentiment was
    positive with clear concerns about delivery support subscription costs and
    privacy younger buyers valued speed older buyers valued reliability service
    a few would switch brands for a better warranty most would try it once
    neighborhood community weekend morning evening healthy fresh practical
    affordable premium durable flexible clear steady careful curious
    """.split()
)
