from django.urls import path

app_name = "filings"
urlpatterns = []
