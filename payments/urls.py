from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("dev/<int:pk>/", views.dev_pay, name="dev-pay"),
    path("notify/dev/", views.dev_notify, name="dev-notify"),
    path("events/<str:slug>/unpaid/", views.unpaid, name="unpaid"),
]
