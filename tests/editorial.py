"""Helpers shared by the editorial tests (admin, services, create_editor)."""

import shutil

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article

from .conftest import SEEDS

PASSWORD = "correct-horse-battery-staple"
CHANGELIST = "/admin/articles/article/"

# Seed titles (seeds/): two published, three not.
PUBLISHED_TITLE = "Deep learning with SPECT accurately predicts major adverse cardiac events"
UNPUBLISHED_TITLE = "Applications of artificial intelligence in cardiovascular imaging"


def make_editor(username="eddie"):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def article(title):
    return Article.objects.get(title=title)


def changed_seeds(tmp_path):
    """A copy of seeds/ whose every document has changed (a new quality), so a re-import updates
    every article and would apply the documents' `published` where no editor has decided."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    for path in folder.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\nquality: ", "\nquality: 9", 1), encoding="utf-8")
    return folder


def published_seeds(tmp_path):
    """A copy of seeds/ in which every document has changed and says `published: true`: a
    re-import would publish every article no editor has decided."""
    folder = changed_seeds(tmp_path)
    for path in folder.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\npublished: false", "\npublished: true"), encoding="utf-8")
    return folder


def messages_of(response):
    """The messages a followed admin response shows."""
    return [str(message) for message in response.context["messages"]] if response.context else []
