"""`manage.py create_editor USERNAME [--email ADDRESS]`: a staff user in the "Editors" group.

The password is read from the EDITOR_PASSWORD environment variable when set (for scripts), otherwise
prompted for twice. It must pass the project's password validators.
"""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

EDITORS_GROUP = "Editors"
PASSWORD_ENV = "EDITOR_PASSWORD"


class Command(BaseCommand):
    help = (
        f"Create a staff user in the {EDITORS_GROUP!r} group. The password comes from the "
        f"{PASSWORD_ENV} environment variable, or is prompted for."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="the editor's e-mail address")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=f"never prompt: the password must be in {PASSWORD_ENV}",
        )

    def handle(self, *args, username, email, interactive, **options):
        User = get_user_model()
        username = username.strip()
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"Invalid username {username!r}: {' '.join(exc.messages)}") from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists; choose another username.")
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"Invalid e-mail address {email!r}.") from None
        try:
            group = Group.objects.get(name=EDITORS_GROUP)
        except Group.DoesNotExist:
            raise CommandError(f"No {EDITORS_GROUP!r} group: run `manage.py migrate` first.") from None

        password = self._password(interactive)
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.add(group)
        self.stdout.write(self.style.SUCCESS(f"Editor {username!r} created (staff, in {EDITORS_GROUP!r})."))

    def _password(self, interactive):
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not interactive:
                raise CommandError(f"No password: set {PASSWORD_ENV}, or run without --no-input.")
            try:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    raise CommandError("The two passwords differ; nothing created.")
            except (EOFError, KeyboardInterrupt):
                raise CommandError("No password given; nothing created.") from None
        if not password.strip():
            raise CommandError("The password is empty; nothing created.")
        return password
