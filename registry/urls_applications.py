from django.urls import path

from registry.views import applications as views

app_name = "applications"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:name>/", views.step, name="step"),
    path("certificates/", views.certificate_search, name="certificates"),
    path(
        "certificates/organization/<int:pk>/",
        views.organization_certificate,
        name="organization_certificate",
    ),
    path("certificates/group/<int:pk>/", views.group_certificate, name="group_certificate"),
]
