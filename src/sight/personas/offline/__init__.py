"""What the offline engine writes for persona flows (registered on import).

See `compose` for how a persona is derived, `quotes` for what it says, `brief`
for segment briefs, `grammar` for Polish and English agreement, `texts` and
`themes` for the phrases.
"""

from sight.personas.offline.brief import compose_brief
from sight.personas.offline.compose import compose_persona

__all__ = ["compose_brief", "compose_persona"]
