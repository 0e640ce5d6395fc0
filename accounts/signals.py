"""What accounts asks of the apps built on it."""

from django.dispatch import Signal

# A rider's public page asks for sections (routes answers with completions and badges).
# kwargs: rider, viewer. Each receiver returns safe HTML, or None for nothing.
rider_page_sections = Signal()
# The rider's own profile page (/me/) asks for sections (payments answers with their latest
# orders). kwargs: user. Each receiver returns safe HTML, or None for nothing.
own_profile_sections = Signal()

