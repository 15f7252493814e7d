"""`manage.py recluster_stories`: group every article into stories from scratch."""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import content_version, stories


class Command(BaseCommand):
    help = (
        "Rebuild every story from scratch (imports keep stories up to date on their own; this gives "
        "the same grouping). Story URLs are kept where the grouping allows."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = stories.recluster()
        content_version.bump()
        self.stdout.write(self.style.SUCCESS(f"{count} stories"))
