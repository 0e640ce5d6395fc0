from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from accounts.wechat.provider import WeChatProvider

urlpatterns = default_urlpatterns(WeChatProvider)
