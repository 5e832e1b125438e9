"""Signals of the accounts app, for the apps above it (accounts may not import them)."""

from django.dispatch import Signal

# Sent (sender=User) when the owner of an account must be told of a change made to it by someone
# else, e.g. a password reset; inside the change's transaction. Keyword arguments: user, title,
# body, link, dedupe_key, all worded by accounts. The notifications app puts it in the inbox.
account_notice = Signal()
