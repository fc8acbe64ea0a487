"""The user fields Gatehouse answers with, as a Djoser deployment configures them."""

from django.contrib.auth import get_user_model
from djoser.serializers import UserSerializer


class AccountSerializer(UserSerializer):
    class Meta:
        model = get_user_model()
        fields = ("id", "first_name", "last_name", "username", "email", "is_active")
        read_only_fields = ("id", "username", "is_active")
