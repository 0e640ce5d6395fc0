"""Orders in the API: the rider's own, one order, and the development gateway for scripts."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.drf import ERRORS
from events.selectors import event_get
from payments import providers, services
from payments.models import Order
from payments.selectors import order_for, orders_of


class OrderOutput(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "kind", "description", "amount_fen", "currency", "status", "expires_at", "paid_at",
                  "registration", "pay_url"]

    status = serializers.ChoiceField(source="shown_status", choices=Order.Status.choices, read_only=True,
                                     help_text="A pending order past its deadline reads as expired.")
    pay_url = serializers.SerializerMethodField()

    def get_pay_url(self, order: Order) -> str | None:
        return reverse("payments:order", args=[order.pk]) if order.shown_status == Order.Status.PENDING else None


class DevPayInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["succeed", "fail"])


class OrderListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OrderOutput(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(OrderOutput(orders_of(rider=request.user), many=True).data)


class OrderDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OrderOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(OrderOutput(order_for(order_id=pk, user=request.user)).data)


class PayTogetherInput(serializers.Serializer):
    event = serializers.CharField(max_length=80, help_text="The event's slug.")


class OrderPayTogetherApi(APIView):
    """One order for the caller's unpaid seats of an event (a family's, paid by the adult): pay it
    like any order; each seat is confirmed with its share."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PayTogetherInput, responses={201: OrderOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        data = PayTogetherInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_get(slug=data.validated_data["event"], user=request.user)
        group = services.group_order_create(payer=request.user, event=event)
        return Response(OrderOutput(group).data, status=201)


class OrderDevPayApi(APIView):
    """The development gateway for scripts and tests (404 when it is off)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=DevPayInput, responses={200: OrderOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        if not providers.dev_enabled():
            raise Http404
        order = order_for(order_id=pk, user=request.user)
        if order.rider_id != request.user.pk:
            raise Http404
        data = DevPayInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["outcome"] == "succeed":
            order = services.dev_pay(order=order)
        return Response(OrderOutput(order).data)
