"""Names to entities: one node per real thing, whichever document names it first."""
