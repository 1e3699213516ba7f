"""Shared helper for the stable commands: one line and a non-zero exit for bad input."""

from django.core.management.base import CommandError


def fail(message):
    """A CommandError carrying one line saying what is wrong (exit status 1)."""
    return CommandError(" ".join(str(message).split()))
