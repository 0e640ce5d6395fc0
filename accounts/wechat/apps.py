from django.apps import AppConfig


class WeChatLoginConfig(AppConfig):
    name = "accounts.wechat"
    label = "accounts_wechat"
    verbose_name = "WeChat login"
