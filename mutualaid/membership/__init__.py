"""A member's whole lifecycle across every app: leaving, removal by decision, account deletion."""
