"""Listeners on request: a member asks for a conversation, a trained listener takes it, and the
two talk in a private thread encrypted at rest that expires like a circle's posts."""
