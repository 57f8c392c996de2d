"""Matching: the engine (core/), the database adapter, policy, suggestions and batch runs."""
