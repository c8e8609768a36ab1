from django.urls import path

from registry.views import filings as views

app_name = "filings"
urlpatterns = [
    path("", views.filing_list, name="list"),
    path("new/", views.filing_create, name="create"),
    path("export.xlsx", views.filing_export, name="export"),
    path("review/", views.review_queue, name="review"),
    path("<int:pk>/", views.filing_detail, name="detail"),
    path("<int:pk>/edit/", views.filing_edit, name="edit"),
    path("<int:pk>/submit/", views.filing_submit, name="submit"),
    path("<int:pk>/accept/", views.filing_accept, name="accept"),
    path("<int:pk>/return/", views.filing_return, name="return"),
    path("<int:pk>/cancel/", views.filing_cancel, name="cancel"),
]
