from django.urls import path

from . import views

app_name = "billing"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("prices/", views.price_book_list, name="price_book_list"),
    path("prices/markup/", views.markup_edit, name="markup_edit"),
    path("accounts/<id:account_id>/prices/new/", views.price_book_create, name="price_book_create"),
    path("prices/<id:book_id>/edit/", views.price_book_edit, name="price_book_edit"),
    path("prices/<id:book_id>/delete/", views.price_book_delete, name="price_book_delete"),
]
