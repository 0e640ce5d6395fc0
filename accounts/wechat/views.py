"""The OAuth2 views of the WeChat login (allauth finds them here by name)."""

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from accounts.wechat.provider import WeChatAdapter

oauth2_login = OAuth2LoginView.adapter_view(WeChatAdapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WeChatAdapter)
