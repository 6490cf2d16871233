"""Voice AI cart recovery (spec §7): who is called, when, what the call says, what came of it."""
