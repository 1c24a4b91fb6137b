"""Web pages. The public privacy notices need no sign-in."""

from django.urls import path

from safehold.web import views

app_name = "web"
urlpatterns = [
    path("privacy/", views.privacy_index, name="privacy-index"),
    path("privacy/<slug:code>/", views.privacy_notice, name="privacy-notice"),
    path("privacy/<slug:code>/print/", views.privacy_notice_print, name="privacy-notice-print"),
    path(
        "privacy/<slug:code>/young-people/",
        views.privacy_notice_young_people,
        name="privacy-notice-young-people",
    ),
    path(
        "privacy/<slug:code>/record-of-processing.csv",
        views.record_of_processing_csv,
        name="privacy-ropa-csv",
    ),
    path(
        "privacy/<slug:code>/record-of-processing.json",
        views.record_of_processing_json,
        name="privacy-ropa-json",
    ),
]
