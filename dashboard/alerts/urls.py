from django.urls import path

from . import views

app_name = "alerts"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/rules/new/", views.rule_edit, name="rule_new"),
    path("alerts/rules/<id:rule_pk>/", views.rule_edit, name="rule_edit"),
    path("alerts/rules/<id:rule_pk>/delete/", views.rule_delete, name="rule_delete"),
    path("alerts/rules/<id:rule_pk>/mute/", views.rule_mute, name="rule_mute"),
    path("alerts/destinations/new/", views.destination_edit, name="destination_new"),
    path("alerts/destinations/<id:destination_pk>/", views.destination_edit, name="destination_edit"),
    path("alerts/destinations/<id:destination_pk>/delete/", views.destination_delete, name="destination_delete"),
    path("alerts/destinations/<id:destination_pk>/test/", views.destination_test, name="destination_test"),
    path("alerts/deliveries/", views.delivery_list, name="delivery_list"),
]
