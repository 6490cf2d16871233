"""Recovery content: the trigger library, Claude's writer, the checks every message passes
before it is sent, pinned A/B versions, and the content types of spec §8.

The save flow hands a `ContentContext` (the cart's true facts) to a writer; whatever wrote
the words (Claude, a pinned version, the templates), `checks.check_message` compares them with
those facts, and only a message that passes is sent.
"""
