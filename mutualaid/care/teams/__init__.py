"""Care teams: neighbours organise around one person in a hard time, with a calendar of slots
whose details only the team sees, and the person at the centre in control."""
