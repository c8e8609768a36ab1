from django.urls import path

from registry.views import filings as views
from registry.views import imports as import_views

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
    path("import/", import_views.workspace_upload, name="import"),
    path("import/<int:pk>/", import_views.workspace_batch, name="import_batch"),
    path("import/<int:pk>/commit/", import_views.workspace_commit, name="import_commit"),
    path("import/<int:pk>/errors.xlsx", import_views.workspace_errors, name="import_errors"),
    path(
        "import/template/<str:kind>.xlsx", import_views.workspace_template, name="import_template"
    ),
]

# District staff's import pages, mounted at /imports/ by the project's urls.py.
staff_import_urls = (
    [
        path("", import_views.staff_upload, name="import"),
        path("<int:pk>/", import_views.staff_batch, name="import_batch"),
        path("<int:pk>/commit/", import_views.staff_commit, name="import_commit"),
        path("<int:pk>/errors.xlsx", import_views.staff_errors, name="import_errors"),
        path("template/<str:kind>.xlsx", import_views.staff_template, name="import_template"),
    ],
    "imports",
)
