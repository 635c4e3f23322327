"""The operator page /ops: login, the live picture of every participant, and a few actions."""
