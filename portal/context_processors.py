"""What every template may use, from the settings."""

from django.conf import settings


def portal(request):
    """`portal_name`: the site's name (PORTAL_NAME, from DJANGO_PORTAL_NAME)."""
    return {"portal_name": settings.PORTAL_NAME}
