from django.urls import path

from registry.views import notices as views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("feed/", views.notice_feed, name="feed"),
    path("<int:pk>/", views.notice_detail, name="detail"),
]
