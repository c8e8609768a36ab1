"""The registry's public pages: the directory of registered organizations, their
profiles and the list of filed community groups."""

from django.urls import path

from registry.views import directory as views

app_name = "directory"
urlpatterns = [
    path("directory/", views.organization_list, name="organizations"),
    path("directory/<str:credit_code>/", views.organization_detail, name="organization"),
    path("community-groups/", views.group_list, name="groups"),
]
