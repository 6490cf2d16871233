"""The 7-stage abandoned-cart save flow (spec §2): config, stages, offers, content, delivery."""
