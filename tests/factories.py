"""factory_boy factories shared by the whole suite."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from clubs.models import Club

PASSWORD = "ride-the-taihang-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"rider{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Sequence(lambda n: f"骑手{n}")
    real_name = factory.Sequence(lambda n: f"李{n}号")  # as on the ID card (events asking for ID numbers need it)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:  # UserFactory(verified_email=False): not verified yet
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    slug = factory.Sequence(lambda n: f"club-{n}")
    name = factory.Sequence(lambda n: f"俱乐部{n}")
