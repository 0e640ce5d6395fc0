"""WeChat login: allauth's weixin provider, adjusted for China's two WeChat logins (see provider.py)."""
