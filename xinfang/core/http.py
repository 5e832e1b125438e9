"""Request types for annotations: what the middleware adds to Django's HttpRequest."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request past django-htmx's middleware (every request here): `request.htmx`."""

    htmx: HtmxDetails
