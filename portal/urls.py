from django.contrib import admin
from django.urls import include, path

from portal.login_throttle import admin_login

urlpatterns = [
    # Before the admin's own URLs so that the throttled view answers /admin/login/.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
