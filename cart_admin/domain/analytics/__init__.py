"""Recovery analytics (spec §9, §11): metrics aggregated in SQL, and the statistics that say
which differences are real."""
