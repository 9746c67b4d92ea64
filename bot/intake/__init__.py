"""The intake: what a person has answered, stored as they go, exported as intake records."""
