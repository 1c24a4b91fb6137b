from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("safehold.api.urls", namespace="api-v1")),
    path("", include("safehold.web.urls")),
]
