from django.urls import path

from . import views

app_name = "home"

# One namespace for the three (dashboard/urls.py): a tenant's own home sits at the root of
# that tenant's addresses, t/<slug:tenant_slug>/.
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("t/<slug:tenant_slug>/", views.tenant_home, name="tenant_home"),
]
