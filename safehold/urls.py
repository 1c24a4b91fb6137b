from django.urls import include, path

urlpatterns = [
    path("", include("safehold.web.urls")),
]
