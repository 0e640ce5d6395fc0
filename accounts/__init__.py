"""Accounts: the custom user model with the rider profile and its privacy rules."""
