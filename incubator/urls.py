from django.urls import path

from incubator import views

app_name = "incubator"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
