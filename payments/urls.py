from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("orders/", views.my_orders, name="orders"),
    path("orders/<int:pk>/", views.order_page, name="order"),
    path("orders/<int:pk>/status/", views.order_status, name="order-status"),
    path("orders/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("orders/together/<str:slug>/", views.pay_together, name="pay-together"),
    path("dev/<int:pk>/", views.dev_pay, name="dev-pay"),
    path("notify/<str:code>/", views.notify, name="notify"),
    path("events/<str:slug>/", views.event_payments, name="event"),
    path("events/<str:slug>/unpaid/", views.unpaid, name="unpaid"),
    path("events/<str:slug>/finance.csv", views.finance_csv, name="finance-csv"),
    path("events/<str:slug>/order-lines.csv", views.lines_csv, name="lines-csv"),
    path("events/<str:slug>/fapiao.csv", views.fapiao_csv, name="fapiao-csv"),
]
