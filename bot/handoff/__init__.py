"""Handing a person over to a team: routing, the German summary packet, cases and their relay."""
