"""Collective governance: powers come from the trust of members, not from the top."""
